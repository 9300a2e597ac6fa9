// The full Asio include for runtime/ and host/ implementation files (see asio_fwd.hpp for why
// this wrapper exists). Public headers include asio_fwd.hpp instead, to keep users' builds fast.
#pragma once

#include "runtime/asio_fwd.hpp"

#include <boost/asio.hpp>
