// The light Asio include for public headers: `asio::awaitable<T>` and a forward-declared
// `asio::io_context`, nothing else. Include this (never <boost/asio/...> directly) so the
// compatibility fixes below apply everywhere:
//  * Boost 1.74's awaitable.hpp uses std::exchange without including <utility> (g++ 12 errors);
//  * Boost 1.74 only detects C++20 coroutines on GCC; clang 14 with libstdc++ supports them too.
#pragma once

#include <utility>

#if defined(__clang__) && defined(__cpp_impl_coroutine)
#ifndef BOOST_ASIO_HAS_CO_AWAIT
#define BOOST_ASIO_HAS_CO_AWAIT 1
#endif
#ifndef BOOST_ASIO_HAS_STD_COROUTINE
#define BOOST_ASIO_HAS_STD_COROUTINE 1
#endif
#endif

#include <boost/asio/awaitable.hpp>

namespace boost::asio {
class io_context;
}

namespace lotus {
namespace asio = boost::asio;
}
