#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace Baton::ConsulSim {

// Go's time.Duration text form, which Consul uses for every duration on the wire (?wait=, TTL, LockDelay,
// Interval). Parsing follows time.ParseDuration: a sequence of decimal numbers (with optional fraction) each
// followed by a unit ns/us/µs/ms/s/m/h, an optional leading sign, "0" alone allowed, anything else an error.
namespace GoDuration {

using Nanos = std::int64_t;

// The parsed duration in nanoseconds, or nullopt with *error set to Go's message
// (`time: invalid duration "x"`, `time: missing unit in duration "5"`, `time: unknown unit "d" in duration "1d"`).
std::optional<Nanos> parse(std::string_view text, std::string *error = nullptr);

// Go's Duration.String(): "0s", "1.5s", "1m0s", "1h30m0s", "500ms", "1µs".
std::string format(Nanos nanos);

inline std::chrono::milliseconds toMillis(Nanos nanos)
{
    return std::chrono::milliseconds(nanos / 1'000'000);
}

constexpr Nanos kSecond = 1'000'000'000;
constexpr Nanos kMillisecond = 1'000'000;
constexpr Nanos kMinute = 60 * kSecond;
constexpr Nanos kHour = 60 * kMinute;

} // namespace GoDuration
} // namespace Baton::ConsulSim
