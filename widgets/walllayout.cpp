#include "widgets/walllayout.h"

#include <algorithm>

#include <QSettings>

namespace Baton {

namespace {
QString group(const QString &screenKey)
{
    return QStringLiteral("wall/screens/") + screenKey;
}
} // namespace

QString WallLayout::screenKey(const QString &screenName, const QRect &geometry)
{
    QString name = screenName.trimmed().isEmpty() ? QStringLiteral("screen") : screenName.trimmed();
    // '/' and '\' are group separators for QSettings; keep the key one level deep.
    name.replace(QLatin1Char('/'), QLatin1Char('_'));
    name.replace(QLatin1Char('\\'), QLatin1Char('_'));
    return QStringLiteral("%1 %2x%3+%4+%5")
        .arg(name)
        .arg(geometry.width())
        .arg(geometry.height())
        .arg(geometry.x())
        .arg(geometry.y());
}

WallLayout WallLayout::normalized() const
{
    WallLayout l = *this;
    l.columns = std::clamp(l.columns, 0, 8);
    l.rotateSeconds = std::clamp(l.rotateSeconds, 5, 600);
    l.fontScale = std::clamp<qreal>(l.fontScale, 0.8, 4.0);
    return l;
}

WallLayout WallLayout::load(QSettings &settings, const QString &screenKey)
{
    WallLayout l;
    settings.beginGroup(group(screenKey));
    l.columns = settings.value(QStringLiteral("columns"), l.columns).toInt();
    l.rotateSeconds = settings.value(QStringLiteral("rotateSeconds"), l.rotateSeconds).toInt();
    l.fontScale = settings.value(QStringLiteral("fontScale"), l.fontScale).toDouble();
    l.showBudgets = settings.value(QStringLiteral("showBudgets"), l.showBudgets).toBool();
    settings.endGroup();
    return l.normalized();
}

void WallLayout::save(QSettings &settings, const QString &screenKey) const
{
    const WallLayout l = normalized();
    settings.beginGroup(group(screenKey));
    settings.setValue(QStringLiteral("columns"), l.columns);
    settings.setValue(QStringLiteral("rotateSeconds"), l.rotateSeconds);
    settings.setValue(QStringLiteral("fontScale"), l.fontScale);
    settings.setValue(QStringLiteral("showBudgets"), l.showBudgets);
    settings.endGroup();
}

} // namespace Baton
