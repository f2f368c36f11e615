#pragma once

#include "core/base/error.h"

#include <tl/expected.hpp>

namespace Baton {

// tl::expected stands in for C++23 std::expected, which GCC 12 (Debian 12) does not ship.
template<typename T> using Result = tl::expected<T, Error>;

inline tl::unexpected<Error> fail(Error error)
{
    return tl::unexpected<Error>(std::move(error));
}

inline tl::unexpected<Error> fail(Error::Kind kind, QString message, int httpStatus = 0)
{
    return tl::unexpected<Error>(Error::make(kind, std::move(message), httpStatus));
}

} // namespace Baton

// Declares `var` as the value of a Result-returning expression, or returns its error from the enclosing function
// (whose return type must accept a tl::unexpected<Error>).
#define BATON_TRY(var, expr)                                                                                           \
    auto var##_result = (expr);                                                                                        \
    if (!var##_result)                                                                                                 \
        return ::Baton::fail(std::move(var##_result).error());                                                         \
    auto var = std::move(*var##_result)

// Evaluates a Result<void>-returning expression and returns its error from the enclosing function, if any.
#define BATON_TRY_VOID(expr)                                                                                           \
    do {                                                                                                               \
        auto baton_try_void_result = (expr);                                                                           \
        if (!baton_try_void_result)                                                                                    \
            return ::Baton::fail(std::move(baton_try_void_result).error());                                            \
    } while (false)
