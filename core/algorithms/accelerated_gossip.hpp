#pragma once

// Gossip numerics shared by gradient tracking and DeTAG (ALGORITHMS.md 1.2,
// 3.2): mixing that tolerates lost messages, and the accelerated-gossip (AG)
// recursion with its closed-form parameters.

#include "core/algorithm.hpp"

namespace murmur {

/// out = sum_j W_ij z_j over self and the messages that arrived, in inbox
/// order. With nothing lost this is exactly mix_into; otherwise the row is
/// renormalised over the weight that arrived (the RelaySGD code's rule).
void mix_received(vec& out, const vec& self, const mixing_row& w,
                  const inbox& in);

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
