#include "models/formatting.h"

#include <QDateTime>

namespace Baton::Format {

QString duration(qint64 s)
{
    if (s < 0)
        return {};
    if (s < 60)
        return QStringLiteral("%1s").arg(s);
    if (s < 3600)
        return QStringLiteral("%1m %2s").arg(s / 60).arg(s % 60, 2, 10, QLatin1Char('0'));
    return QStringLiteral("%1h %2m").arg(s / 3600).arg((s % 3600) / 60, 2, 10, QLatin1Char('0'));
}

QString time(qint64 ms, qint64 nowMs)
{
    if (ms <= 0)
        return {};
    const QDateTime t = QDateTime::fromMSecsSinceEpoch(ms);
    if (t.date() == QDateTime::fromMSecsSinceEpoch(nowMs).date())
        return t.toString(QStringLiteral("HH:mm:ss"));
    return t.toString(QStringLiteral("yyyy-MM-dd HH:mm"));
}

QString ago(qint64 ms, qint64 nowMs)
{
    if (ms <= 0)
        return {};
    const qint64 s = std::max<qint64>(0, (nowMs - ms) / 1000);
    if (s < 60)
        return QStringLiteral("%1 s ago").arg(s);
    if (s < 3600)
        return QStringLiteral("%1 min ago").arg(s / 60);
    if (s < 86400)
        return QStringLiteral("%1 h ago").arg(s / 3600);
    return QStringLiteral("%1 d ago").arg(s / 86400);
}

} // namespace Baton::Format
