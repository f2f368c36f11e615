#pragma once

#include <QRect>
#include <QString>

class QSettings;

namespace Baton {

// How the wall display arranges itself on one screen. Kept per screen (name and geometry), so a wall box
// with two monitors, or a laptop docked to a TV now and then, gets back the layout chosen for each screen.
struct WallLayout
{
    int columns = 0; // 0: as many as fit
    int rotateSeconds = 20; // page rotation when the jobs do not fit
    qreal fontScale = 1.6;
    bool showBudgets = true;

    bool operator==(const WallLayout &) const = default;

    // A settings key for a screen: "DP-1 1920x1080+0+0" with separators QSettings would misread replaced.
    static QString screenKey(const QString &screenName, const QRect &geometry);
    // The layout stored for a screen, or the defaults; out-of-range values are clamped.
    static WallLayout load(QSettings &settings, const QString &screenKey);
    void save(QSettings &settings, const QString &screenKey) const;
    WallLayout normalized() const;
};

} // namespace Baton
