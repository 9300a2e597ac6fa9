// The full Asio include for runtime/ and host/ implementation files (see asio_fwd.hpp for why
// this wrapper exists). Public headers include asio_fwd.hpp instead, to keep users' builds fast.
#pragma once

#include "runtime/asio_fwd.hpp"

// g++ -O2 reports -Wnull-dereference false positives inside Asio's scheduler (inlined from
// these headers); they are Asio's, not ours.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wnull-dereference"
#endif
#include <boost/asio.hpp>
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif
