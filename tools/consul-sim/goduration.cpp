#include "tools/consul-sim/goduration.h"

#include <array>
#include <limits>

namespace Baton::ConsulSim::GoDuration {

namespace {

struct Unit
{
    std::string_view name;
    std::uint64_t nanos;
};

constexpr std::array<Unit, 8> kUnits { {
    { "ns", 1 },
    { "us", 1'000 },
    { "\xC2\xB5s", 1'000 }, // U+00B5 micro sign
    { "\xCE\xBCs", 1'000 }, // U+03BC Greek mu
    { "ms", 1'000'000 },
    { "s", 1'000'000'000 },
    { "m", 60ull * 1'000'000'000 },
    { "h", 3600ull * 1'000'000'000 },
} };

std::string quoteGo(std::string_view s)
{
    std::string out = "\"";
    for (const char c : s) {
        if (c == '"' || c == '\\')
            out += '\\';
        out += c;
    }
    out += '"';
    return out;
}

bool fail(std::string *error, std::string message)
{
    if (error)
        *error = std::move(message);
    return false;
}

} // namespace

std::optional<Nanos> parse(std::string_view text, std::string *error)
{
    const std::string original(text);
    std::string_view s = text;
    bool negative = false;
    if (!s.empty() && (s.front() == '-' || s.front() == '+')) {
        negative = s.front() == '-';
        s.remove_prefix(1);
    }
    if (s == "0")
        return Nanos(0);
    if (s.empty()) {
        fail(error, "time: invalid duration " + quoteGo(original));
        return std::nullopt;
    }

    std::uint64_t total = 0;
    constexpr std::uint64_t kMax = std::uint64_t(std::numeric_limits<Nanos>::max());
    while (!s.empty()) {
        // The number: digits, then an optional fraction. At least one digit on either side of the dot.
        if (!(s.front() == '.' || (s.front() >= '0' && s.front() <= '9'))) {
            fail(error, "time: invalid duration " + quoteGo(original));
            return std::nullopt;
        }
        std::uint64_t whole = 0;
        bool overflow = false;
        std::size_t i = 0;
        for (; i < s.size() && s[i] >= '0' && s[i] <= '9'; ++i) {
            if (whole > (kMax - std::uint64_t(s[i] - '0')) / 10)
                overflow = true;
            else
                whole = whole * 10 + std::uint64_t(s[i] - '0');
        }
        const bool hadWhole = i > 0;
        std::uint64_t frac = 0;
        double scale = 1.0;
        bool hadFrac = false;
        if (i < s.size() && s[i] == '.') {
            ++i;
            const std::size_t start = i;
            for (; i < s.size() && s[i] >= '0' && s[i] <= '9'; ++i) {
                if (frac <= (kMax - 9) / 10) {
                    frac = frac * 10 + std::uint64_t(s[i] - '0');
                    scale *= 10.0;
                }
            }
            hadFrac = i > start;
        }
        if (!hadWhole && !hadFrac) {
            fail(error, "time: invalid duration " + quoteGo(original));
            return std::nullopt;
        }
        if (overflow) {
            fail(error, "time: invalid duration " + quoteGo(original));
            return std::nullopt;
        }
        s.remove_prefix(i);

        // The unit: everything up to the next digit or dot.
        std::size_t u = 0;
        while (u < s.size() && s[u] != '.' && !(s[u] >= '0' && s[u] <= '9'))
            ++u;
        if (u == 0) {
            fail(error, "time: missing unit in duration " + quoteGo(original));
            return std::nullopt;
        }
        const std::string_view unitName = s.substr(0, u);
        const Unit *unit = nullptr;
        for (const Unit &candidate : kUnits) {
            if (candidate.name == unitName)
                unit = &candidate;
        }
        if (!unit) {
            fail(error, "time: unknown unit " + quoteGo(unitName) + " in duration " + quoteGo(original));
            return std::nullopt;
        }
        s.remove_prefix(u);

        if (whole > kMax / unit->nanos) {
            fail(error, "time: invalid duration " + quoteGo(original));
            return std::nullopt;
        }
        std::uint64_t value = whole * unit->nanos;
        if (frac > 0) {
            const double extra = double(frac) * (double(unit->nanos) / scale);
            value += std::uint64_t(extra);
            if (value > kMax) {
                fail(error, "time: invalid duration " + quoteGo(original));
                return std::nullopt;
            }
        }
        if (value > kMax - total) {
            fail(error, "time: invalid duration " + quoteGo(original));
            return std::nullopt;
        }
        total += value;
    }
    return negative ? -Nanos(total) : Nanos(total);
}

namespace {

// Writes v/10^prec with trailing zeros of the fraction removed, like Go's fmtFrac + fmtInt.
std::string fracString(std::uint64_t v, int prec)
{
    std::string fraction;
    bool print = false;
    for (int i = 0; i < prec; ++i) {
        const auto digit = v % 10;
        print = print || digit != 0;
        if (print)
            fraction.insert(fraction.begin(), char('0' + digit));
        v /= 10;
    }
    std::string out = std::to_string(v);
    if (!fraction.empty())
        out += "." + fraction;
    return out;
}

} // namespace

std::string format(Nanos nanos)
{
    if (nanos == 0)
        return "0s";
    const bool negative = nanos < 0;
    std::uint64_t u = negative ? std::uint64_t(0) - std::uint64_t(nanos) : std::uint64_t(nanos);
    std::string out;
    if (u < 1'000'000'000ull) {
        // Sub-second: one unit only, with a fraction.
        if (u < 1'000ull)
            out = std::to_string(u) + "ns";
        else if (u < 1'000'000ull)
            out = fracString(u, 3) + "\xC2\xB5s";
        else
            out = fracString(u, 6) + "ms";
    } else {
        const std::uint64_t secondsAndFrac = u; // in ns
        const std::uint64_t fracNs = secondsAndFrac % 1'000'000'000ull;
        std::uint64_t seconds = secondsAndFrac / 1'000'000'000ull;
        std::string secs = std::to_string(seconds % 60);
        if (fracNs != 0) {
            std::string f;
            std::uint64_t v = fracNs;
            bool print = false;
            for (int i = 0; i < 9; ++i) {
                const auto digit = v % 10;
                print = print || digit != 0;
                if (print)
                    f.insert(f.begin(), char('0' + digit));
                v /= 10;
            }
            secs += "." + f;
        }
        out = secs + "s";
        const std::uint64_t minutes = seconds / 60;
        if (minutes > 0) {
            out = std::to_string(minutes % 60) + "m" + out;
            const std::uint64_t hours = minutes / 60;
            if (hours > 0)
                out = std::to_string(hours) + "h" + out;
        }
    }
    return negative ? "-" + out : out;
}

} // namespace Baton::ConsulSim::GoDuration
