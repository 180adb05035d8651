#pragma once
// The one place that includes Boost.Asio and Beast. Boost 1.74's asio/awaitable.hpp uses std::exchange
// without including <utility>, which GCC 12 no longer pulls in transitively: include it first.
// clang-format off
#include <utility>
// clang-format on

// Boost 1.74 enables C++20 coroutines under clang only through the pre-standard <experimental/coroutine>,
// which libstdc++ lacks; clang 16 has the standard ones (the fuzz build, scripts/fuzz.sh, uses clang).
#if defined(__clang__) && defined(__cpp_impl_coroutine) && !defined(BOOST_ASIO_HAS_CO_AWAIT)
#define BOOST_ASIO_HAS_CO_AWAIT 1
#define BOOST_ASIO_HAS_STD_COROUTINE 1
#endif

#include <boost/asio.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>

namespace fanout::net {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;
using tcp = boost::asio::ip::tcp;

// Each io_context is run by exactly one thread and each connection lives on one io_context, so a
// connection's handlers never run concurrently without a strand. The concrete executor type (instead of
// the default any_io_executor) saves a type-erased call and a shared_ptr copy on every operation.
using Executor = asio::io_context::executor_type;
using Socket = asio::basic_stream_socket<tcp, Executor>;
using Acceptor = asio::basic_socket_acceptor<tcp, Executor>;
using Stream = beast::basic_stream<tcp, Executor>;
using Timer =
    asio::basic_waitable_timer<std::chrono::steady_clock, asio::wait_traits<std::chrono::steady_clock>, Executor>;
template <class T = void>
using Awaitable = asio::awaitable<T, Executor>;
inline constexpr asio::use_awaitable_t<Executor> use_awaitable{};

}  // namespace fanout::net
