#include "core/domain/maxoffline.h"

#include <algorithm>

namespace Baton {

MaxOffline MaxOffline::count(int n)
{
    return MaxOffline(Kind::Count, std::clamp(n, 0, kMaxCount));
}

MaxOffline MaxOffline::percent(int p)
{
    return MaxOffline(Kind::Percent, std::clamp(p, 0, 100));
}

Result<MaxOffline> MaxOffline::parse(QStringView text)
{
    const QStringView t = text.trimmed();
    const auto invalid = [&] {
        return fail(Error::Kind::InvalidInput,
            QStringLiteral("max_offline \"%1\" is not a count (\"2\"), a percentage (\"25%\") or 0 (freeze)")
                .arg(text.left(40).toString()));
    };
    if (t.isEmpty())
        return invalid();
    const bool isPercent = t.endsWith(u'%');
    const QStringView digits = isPercent ? t.chopped(1) : t;
    if (digits.isEmpty() || digits.size() > 6)
        return invalid();
    for (const QChar c : digits) {
        if (c < u'0' || c > u'9')
            return invalid();
    }
    const int n = digits.toInt();
    if (isPercent) {
        if (n > 100)
            return fail(
                Error::Kind::InvalidInput, QStringLiteral("max_offline \"%1\" is above 100%").arg(t.toString()));
        return percent(n);
    }
    if (n > kMaxCount)
        return invalid();
    return count(n);
}

MaxOfflineReading MaxOffline::fromKv(const std::optional<QByteArray> &rawValue)
{
    MaxOfflineReading r;
    if (!rawValue)
        return r;
    r.keyPresent = true;
    auto parsed = parse(QString::fromUtf8(*rawValue));
    if (parsed) {
        r.value = *parsed;
    } else {
        r.warning = QStringLiteral("%1; using the default of %2").arg(parsed.error().message).arg(kDefaultCount);
    }
    return r;
}

int MaxOffline::limitFor(int registeredInstances) const
{
    if (m_kind == Kind::Count)
        return m_value;
    if (m_value == 0)
        return 0;
    const int n = std::max(registeredInstances, 0);
    return std::max(1, int((qint64(n) * m_value) / 100));
}

QString MaxOffline::toString() const
{
    if (m_kind == Kind::Percent)
        return QStringLiteral("%1%").arg(m_value);
    return QString::number(m_value);
}

QString MaxOffline::describe(int registeredInstances) const
{
    if (isFrozen())
        return QStringLiteral("%1 (frozen)").arg(toString());
    if (m_kind == Kind::Percent)
        return QStringLiteral("%1 (= %2 of %3)")
            .arg(toString())
            .arg(limitFor(registeredInstances))
            .arg(registeredInstances);
    return toString();
}

} // namespace Baton
