#pragma once

#include "core/algorithms/algorithm.hpp"

namespace murmur {

/// out = w.self * self + sum_k w.weights[k] * in[k], in inbox order (fixed,
/// so the result does not depend on arrival order). Lost messages (null data)
/// are skipped and the row renormalised over what arrived.
void mix_into(vec& out, const vec& self, const mixing_row& w, const inbox& in);

/// out = (1/n) * sum over all agents' vectors in agent-id order, where the
/// agent's own vector sits at its id among the received ones. Every agent
/// that calls this with the same vectors gets bit-identical results. Lost
/// messages are left out of the average.
void exact_average_into(vec& out, agent_id self_id, const vec& self,
                        const inbox& in);

} // namespace murmur
