#pragma once

#include "core/base/jsonlimits.h"
#include "core/base/result.h"

#include <nlohmann/json.hpp>
#include <string_view>

#include <QByteArray>

namespace Baton {

// Parses untrusted JSON: size and nesting depth are checked on the raw bytes before nlohmann builds a
// document, and every parse failure becomes an Error of kind Decode (or TooLarge) instead of an exception.
Result<nlohmann::json> parseJsonBounded(std::string_view bytes, const JsonLimits &limits = {});
Result<nlohmann::json> parseJsonBounded(const QByteArray &bytes, const JsonLimits &limits = {});

// The deepest nesting of arrays and objects in the bytes, ignoring brackets inside strings. Stops counting
// once stopAt is exceeded so a hostile body costs no more than one pass.
int jsonNestingDepth(std::string_view bytes, int stopAt);

} // namespace Baton
