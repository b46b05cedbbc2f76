#pragma once

// Accelerated gossip (AG; Lu & De Sa, ICML 2021, Algorithm 1) for DeTAG: the recursion and
// its closed-form parameters.

#include "core/algorithms/algorithm.hpp"

namespace murmur {

/// One AG step once `next` holds W z_cur: next = (1+eta) next - eta prev.
/// Starting every call with prev = cur keeps the mean of z unchanged.
void ag_extrapolate(vec& next, const vec& prev, double eta);

/// AG momentum for second-largest eigenvalue magnitude `lambda`:
/// (1 - sqrt(1 - lambda^2)) / (1 + sqrt(1 - lambda^2)).
double ag_momentum(double lambda);

/// Theory choice of AG rounds (the DoCoM baseline's):
/// int(0.5 ln(n) / sqrt(1 - lambda)), at least 1.
int ag_rounds(std::size_t n, double lambda);

/// max(|lambda_2|, |lambda_n|) of the Metropolis-Hastings weights (what the
/// experiment mixes undirected graphs with), worst over the phases. Throws
/// input_error naming topology.kind when a phase is directed.
double mixing_lambda(const topology& t, const std::string& algorithm_name);

} // namespace murmur
