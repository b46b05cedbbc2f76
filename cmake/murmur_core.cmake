# The sources of murmur's actor-free core and the definitions every one of
# its files must be compiled with. Included by the main build and by the fuzz
# sub-build (tests/fuzz), which compiles the same core with clang.
get_filename_component(murmur_root "${CMAKE_CURRENT_LIST_DIR}/.." ABSOLUTE)

file(GLOB murmur_core_sources CONFIGURE_DEPENDS
     "${murmur_root}/core/*.cpp" "${murmur_root}/core/*/*.cpp"
     "${murmur_root}/core/*/*/*.cpp"
     "${murmur_root}/topologies/*.cpp")
# The TorchScript model needs libtorch: the main build compiles it on its own
# (MURMUR_TORCH) in place of torchscript_absent.cpp, which refuses such
# configs with how to enable them.
list(FILTER murmur_core_sources EXCLUDE REGEX ".*/core/model/torchscript\\.cpp$")

# Eigen's GEMM packs blocks on the stack up to this size and mallocs beyond it;
# 1 MiB keeps an MLP-100 step allocation-free. Must be the same in every file.
set(murmur_core_definitions EIGEN_STACK_ALLOCATION_LIMIT=1048576)

# The core's dependencies, all from Debian.
macro(murmur_find_core_dependencies)
  find_package(Eigen3 3.4 REQUIRED NO_MODULE)
  find_package(TBB REQUIRED)
  find_package(ZLIB REQUIRED)
  find_package(tomlplusplus REQUIRED)
  find_package(nlohmann_json 3 REQUIRED)
endmacro()
set(murmur_core_libraries Eigen3::Eigen TBB::tbb ZLIB::ZLIB
                          tomlplusplus::tomlplusplus nlohmann_json::nlohmann_json)
