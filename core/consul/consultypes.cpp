#include "core/consul/consultypes.h"

namespace Baton::Consul {

bool HealthCheck::isMaintenance() const
{
    return checkId == QLatin1StringView(kNodeMaintenanceCheck)
        || checkId.startsWith(QLatin1StringView(kServiceMaintenancePrefix));
}

CheckStatus ServiceHealth::aggregatedStatus() const
{
    CheckStatus worst = CheckStatus::Passing;
    for (const HealthCheck &c : checks) {
        if (c.status == CheckStatus::Critical)
            return CheckStatus::Critical;
        if (c.status != CheckStatus::Passing)
            worst = CheckStatus::Warning;
    }
    return worst;
}

std::optional<QString> ServiceHealth::offlineReason() const
{
    // The same rule as the gate (ansible/plugins/module_utils/gate_core.py, offline_reason): only `critical`
    // takes an instance out of service, and a maintenance check names the reason before any other.
    for (const HealthCheck &c : checks) {
        if (c.status == CheckStatus::Critical && c.isMaintenance()) {
            const QString notes = c.notes.trimmed();
            return notes.isEmpty() ? QStringLiteral("maintenance") : QStringLiteral("maintenance: %1").arg(notes);
        }
    }
    for (const HealthCheck &c : checks) {
        if (c.status == CheckStatus::Critical) {
            const QString label = !c.name.isEmpty() ? c.name : !c.checkId.isEmpty() ? c.checkId : QStringLiteral("?");
            return QStringLiteral("critical: %1").arg(label);
        }
    }
    return std::nullopt;
}

QString checkStatusToWire(CheckStatus status)
{
    switch (status) {
    case CheckStatus::Passing:
        return QStringLiteral("passing");
    case CheckStatus::Warning:
        return QStringLiteral("warning");
    case CheckStatus::Critical:
        return QStringLiteral("critical");
    case CheckStatus::Unknown:
        break;
    }
    return QStringLiteral("unknown");
}

CheckStatus checkStatusFromWire(QStringView text)
{
    if (text == u"passing")
        return CheckStatus::Passing;
    if (text == u"warning")
        return CheckStatus::Warning;
    if (text == u"critical")
        return CheckStatus::Critical;
    return CheckStatus::Unknown;
}

QString behaviorToWire(SessionBehavior behavior)
{
    return behavior == SessionBehavior::Delete ? QStringLiteral("delete") : QStringLiteral("release");
}

QString txnVerbToWire(TxnOp::Verb verb)
{
    switch (verb) {
    case TxnOp::Verb::Set:
        return QStringLiteral("set");
    case TxnOp::Verb::Cas:
        return QStringLiteral("cas");
    case TxnOp::Verb::Lock:
        return QStringLiteral("lock");
    case TxnOp::Verb::Unlock:
        return QStringLiteral("unlock");
    case TxnOp::Verb::Get:
        return QStringLiteral("get");
    case TxnOp::Verb::GetOrEmpty:
        return QStringLiteral("get-or-empty");
    case TxnOp::Verb::GetTree:
        return QStringLiteral("get-tree");
    case TxnOp::Verb::CheckIndex:
        return QStringLiteral("check-index");
    case TxnOp::Verb::CheckSession:
        return QStringLiteral("check-session");
    case TxnOp::Verb::CheckNotExists:
        return QStringLiteral("check-not-exists");
    case TxnOp::Verb::Delete:
        return QStringLiteral("delete");
    case TxnOp::Verb::DeleteTree:
        return QStringLiteral("delete-tree");
    case TxnOp::Verb::DeleteCas:
        return QStringLiteral("delete-cas");
    }
    return QStringLiteral("get");
}

TxnOp TxnOp::set(const QString &key, const QByteArray &value, quint64 flags)
{
    TxnOp op;
    op.verb = Verb::Set;
    op.key = key;
    op.value = value;
    op.flags = flags;
    return op;
}

TxnOp TxnOp::cas(const QString &key, const QByteArray &value, quint64 index, quint64 flags)
{
    TxnOp op = set(key, value, flags);
    op.verb = Verb::Cas;
    op.index = index;
    return op;
}

TxnOp TxnOp::get(const QString &key)
{
    TxnOp op;
    op.verb = Verb::Get;
    op.key = key;
    return op;
}

TxnOp TxnOp::remove(const QString &key)
{
    TxnOp op;
    op.verb = Verb::Delete;
    op.key = key;
    return op;
}

TxnOp TxnOp::deleteCas(const QString &key, quint64 index)
{
    TxnOp op = remove(key);
    op.verb = Verb::DeleteCas;
    op.index = index;
    return op;
}

TxnOp TxnOp::checkIndex(const QString &key, quint64 index)
{
    TxnOp op = get(key);
    op.verb = Verb::CheckIndex;
    op.index = index;
    return op;
}

std::optional<qint64> parseGoDurationMs(QStringView text)
{
    // Go's time.ParseDuration: an optional sign is not accepted here (Consul never sends one), then one or
    // more <decimal number><unit> pairs. Fractions are allowed ("1.5s"). Work in nanoseconds, saturating.
    if (text.isEmpty())
        return std::nullopt;
    if (text == u"0")
        return 0;
    constexpr double kMaxNs = 9.0e18;
    double totalNs = 0;
    qsizetype i = 0;
    const qsizetype n = text.size();
    while (i < n) {
        const qsizetype numStart = i;
        while (i < n && ((text[i] >= u'0' && text[i] <= u'9') || text[i] == u'.'))
            ++i;
        if (i == numStart)
            return std::nullopt;
        bool ok = false;
        const double number = text.mid(numStart, i - numStart).toDouble(&ok);
        if (!ok)
            return std::nullopt;
        const qsizetype unitStart = i;
        while (i < n && !((text[i] >= u'0' && text[i] <= u'9') || text[i] == u'.'))
            ++i;
        const QStringView unit = text.mid(unitStart, i - unitStart);
        double scale = 0;
        if (unit == u"ns")
            scale = 1;
        else if (unit == u"us" || unit == u"\u00b5s" || unit == u"\u03bcs")
            scale = 1e3;
        else if (unit == u"ms")
            scale = 1e6;
        else if (unit == u"s")
            scale = 1e9;
        else if (unit == u"m")
            scale = 60e9;
        else if (unit == u"h")
            scale = 3600e9;
        else
            return std::nullopt;
        totalNs += number * scale;
        if (totalNs > kMaxNs)
            return std::nullopt;
    }
    const auto ns = qint64(totalNs);
    return (ns + 999999) / 1000000;
}

QString formatGoDuration(qint64 ms)
{
    if (ms % 1000 == 0)
        return QStringLiteral("%1s").arg(ms / 1000);
    return QStringLiteral("%1ms").arg(ms);
}

} // namespace Baton::Consul
