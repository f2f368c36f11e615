#pragma once

#include "core/base/result.h"

#include <optional>

#include <QByteArray>
#include <QString>

namespace Baton {

struct MaxOfflineReading;

// The value of baton/services/<service>/max_offline: "N" (a count), "P%" (of registered instances, rounded
// down, at least 1 when P > 0) or "0" (freeze: nobody may leave). The gate (Python) implements the same rule;
// docs/coordination.md is the shared definition.
class MaxOffline
{
public:
    enum class Kind
    {
        Count,
        Percent
    };

    static constexpr int kDefaultCount = 1;
    static constexpr int kMaxCount = 100000;

    MaxOffline() = default; // the default: a count of 1
    static MaxOffline count(int n);
    static MaxOffline percent(int p);
    static MaxOffline freeze() { return count(0); }

    // Strict parse of an operator's text; surrounding whitespace is allowed.
    static Result<MaxOffline> parse(QStringView text);

    // What the budget rule uses when reading the key: a missing key gives the default silently; a malformed
    // value gives the default and a warning that says so, so the rollout proceeds one at a time and the
    // operator sees why.
    static MaxOfflineReading fromKv(const std::optional<QByteArray> &rawValue);

    Kind kind() const { return m_kind; }
    int value() const { return m_value; }
    bool isFrozen() const { return m_value == 0; }

    // How many instances may be offline at once when the service has this many registered.
    int limitFor(int registeredInstances) const;

    QString toString() const; // "2", "25%", "0"
    // "2", "25% (= 3 of 12)", "0 (frozen)"
    QString describe(int registeredInstances) const;

    bool operator==(const MaxOffline &) const = default;

private:
    MaxOffline(Kind kind, int value)
        : m_kind(kind)
        , m_value(value)
    { }

    Kind m_kind = Kind::Count;
    int m_value = kDefaultCount;
};

struct MaxOfflineReading
{
    MaxOffline value;
    QString warning; // empty when the key was missing or valid
    bool keyPresent = false;
};

} // namespace Baton
