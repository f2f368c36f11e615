#pragma once

#include "core/domain/servicebudget.h"
#include "widgets/theme.h"
#include "widgets/walllayout.h"

#include <functional>

#include <QHash>
#include <QList>
#include <QPointer>
#include <QTimer>
#include <QWidget>

class QScreen;
class QSettings;

namespace Baton {

class BudgetGauge;
class TimelineJobs;
class WallTile;

// \class WallDisplay
// \brief The unattended wall: every active job's timeline and the services' budgets, full screen, read-only,
// large type on a dark theme, the jobs that need attention first.
//
// - Tiles: every job fits when it can (columns chosen to keep tiles readable); when not, jobs that need
//   attention stay pinned and the others rotate through pages every WallLayout::rotateSeconds.
// - Budgets: a row of gauges, services in trouble first.
// - Staleness: while the connection it is given is not Connected, a banner says so with "last update N s
//   ago"; that text is the only thing on a clock (1 s) and only while stale.
// - Idle means idle: no repaint when nothing changed; the only other timers are the now line's (armed for
//   when it next moves by a device pixel, at most once a second, and only while a shown job runs) and the
//   page rotation (only while there are pages).
// - Layout (columns, type size, rotation, budgets shown) is remembered per screen.
// Keys: Esc leaves, +/- type size, [ / ] columns (0 = automatic), B budgets, Space/PgDn/PgUp pages.
class WallDisplay : public QWidget
{
    Q_OBJECT

public:
    enum class Connection
    {
        Connected,
        Connecting,
        Disconnected
    };

    // `jobs` is not owned and must outlive the display.
    explicit WallDisplay(TimelineJobs *jobs, QWidget *parent = nullptr);
    ~WallDisplay() override;

    void setServiceBudgets(const QList<ServiceBudget> &budgets);
    void setConnection(Connection state, qint64 lastUpdateMs, const QString &detail = QString());
    void setClock(std::function<qint64()> clock);
    void setTheme(const Theme &theme);

    // The settings the per-screen layout is kept in (not owned); default: a QSettings of the application.
    void setSettings(QSettings *settings);
    void setWallLayout(const WallLayout &layout);
    const WallLayout &wallLayout() const { return m_layout; }
    QString screenKey() const { return m_screenKey; }
    // Full screen on `screen`, with the layout remembered for it.
    void showOnScreen(QScreen *screen);
    // Loads the layout remembered for a screen key (used by showOnScreen; tests call it directly).
    void useScreenKey(const QString &key);

    // What is shown, for tests and the soak harness.
    QList<qint64> visibleJobs() const { return m_visible; }
    int pageCount() const { return m_pages; }
    int page() const { return m_page; }
    bool isStale() const { return m_connection != Connection::Connected; }
    QString staleText() const;
    QStringList gaugeServices() const;
    bool isTicking() const { return m_tick.isActive(); }
    bool isRotating() const { return m_rotate.isActive(); }
    bool isStaleClockRunning() const { return m_staleClock.isActive(); }
    int repaintCount() const { return m_paints; }
    // Paints of every tile so far, removed ones included.
    int tilePaintCount() const;

public Q_SLOTS:
    void nextPage();
    void previousPage();

Q_SIGNALS:
    void exitRequested();

protected:
    void paintEvent(QPaintEvent *event) override;
    void resizeEvent(QResizeEvent *event) override;
    void keyPressEvent(QKeyEvent *event) override;
    void showEvent(QShowEvent *event) override;
    void hideEvent(QHideEvent *event) override;

private:
    void onJobAdded(qint64 jobId);
    void onJobRemoved(qint64 jobId);
    void onJobUpdated(qint64 jobId);
    void relayout();
    void updateBudgets();
    void scheduleTick();
    void onTick();
    void updateTimers();
    void changeLayout(const WallLayout &layout);
    QFont scaled(qreal factor, bool bold = false) const;
    int headerHeight() const;
    int bannerHeight() const;
    QRect bannerRect() const;

    QPointer<TimelineJobs> m_jobs;
    QHash<qint64, WallTile *> m_tiles;
    QList<BudgetGauge *> m_gauges;
    QList<ServiceBudget> m_budgets;
    QList<qint64> m_visible;
    Theme m_theme = Theme::dark();
    WallLayout m_layout;
    QString m_screenKey;
    QSettings *m_settings = nullptr;
    std::unique_ptr<QSettings> m_ownSettings;
    std::function<qint64()> m_clock;
    Connection m_connection = Connection::Connected;
    qint64 m_lastUpdateMs = 0;
    QString m_connectionDetail;
    QTimer m_tick;
    QTimer m_rotate;
    QTimer m_staleClock;
    int m_page = 0;
    int m_pages = 1;
    int m_paints = 0;
    int m_removedTilePaints = 0;
    bool m_budgetsPending = false;
    QRect m_tilesArea;
};

} // namespace Baton
