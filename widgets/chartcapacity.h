#pragma once

#include "widgets/chart.h"

#include <functional>

#include <QPointer>
#include <QTimer>
#include <QWidget>

namespace Baton {

class CapacityHistory;

// \class ChartCapacity
// \brief The capacity chart of one service: instances in service, in maintenance and critical over time, with
// the floor its max_offline allows (fewer in service than the floor breaks the budget).
//
// Fed by a CapacityHistory; every change recomputes the points, and the Chart adapter turns bursts of changes
// into at most a few replacements a second. The window follows now; while visible it moves on a coarse timer
// (every 1/120 of its length, at least every 5 s), and not at all while hidden.
class ChartCapacity : public QWidget
{
    Q_OBJECT

public:
    enum SeriesIndex
    {
        InService,
        InMaintenance,
        Critical,
        Floor
    };

    explicit ChartCapacity(QWidget *parent = nullptr);
    ~ChartCapacity() override;

    // Not owned; forgotten when destroyed.
    void setHistory(CapacityHistory *history);
    CapacityHistory *history() const;
    void setWindow(qint64 lengthMs);
    qint64 window() const { return m_window; }
    // Where the interesting part starts (a job's launch; 0: none). The chart then shows from a little before it
    // to now, so a young job fills the chart instead of a sliver at its right edge; never less than a minute and
    // never more than the window.
    void setSince(qint64 ms);
    void setClock(std::function<qint64()> clock);
    void setTheme(const Theme &theme);

    Chart *chart() const { return m_chart; }
    bool isFollowing() const { return m_follow.isActive(); }

public Q_SLOTS:
    // Recomputes the series for the current window (the chart applies it at its own pace).
    void refresh();

protected:
    void showEvent(QShowEvent *event) override;
    void hideEvent(QHideEvent *event) override;

private:
    void scheduleFollow();
    qint64 shownFrom(qint64 now) const;

    Chart *m_chart = nullptr;
    QPointer<CapacityHistory> m_history;
    qint64 m_window = 30 * 60'000;
    qint64 m_since = 0;
    std::function<qint64()> m_clock;
    QTimer m_follow;
    Theme m_theme = Theme::current();
};

} // namespace Baton
