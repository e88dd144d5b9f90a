// The one place that includes Boost.Asio/Beast. Debian 12's Boost 1.74 needs <utility>
// before asio's awaitable.hpp under g++ 12.
#pragma once

#include <utility>

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
