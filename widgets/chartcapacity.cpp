#include "widgets/chartcapacity.h"

#include "core/base/timestamps.h"
#include "models/capacityhistory.h"

#include <algorithm>

#include <QVBoxLayout>

namespace Baton {

ChartCapacity::ChartCapacity(QWidget *parent)
    : QWidget(parent)
    , m_chart(new Chart(this))
{
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_chart);
    m_clock = [] { return Timestamps::nowMs(); };
    m_follow.setSingleShot(true);
    m_follow.setTimerType(Qt::CoarseTimer);
    connect(&m_follow, &QTimer::timeout, this, [this] {
        refresh();
        scheduleFollow();
    });
    setTheme(m_theme);
}

ChartCapacity::~ChartCapacity() = default;

void ChartCapacity::setTheme(const Theme &theme)
{
    m_theme = theme;
    m_chart->setTheme(theme);
    if (m_chart->seriesCount() == 0) {
        m_chart->addSeries({ tr("in service"), theme.color(Theme::Role::Ok), Chart::LineStyle::Solid, 2.0 });
        m_chart->addSeries({ tr("in maintenance"), theme.color(Theme::Role::Info), Chart::LineStyle::Solid, 2.0 });
        m_chart->addSeries({ tr("critical"), theme.color(Theme::Role::Critical), Chart::LineStyle::Solid, 2.0 });
        m_chart->addSeries(
            { tr("floor (max_offline)"), theme.color(Theme::Role::MutedText), Chart::LineStyle::Dashed, 1.5 });
    }
}

void ChartCapacity::setHistory(CapacityHistory *history)
{
    if (m_history == history)
        return;
    if (m_history)
        disconnect(m_history, nullptr, this, nullptr);
    m_history = history;
    if (history) {
        connect(history, &CapacityHistory::changed, this, &ChartCapacity::refresh);
        m_chart->setTitle(tr("Capacity of %1").arg(history->service()));
    }
    refresh();
}

CapacityHistory *ChartCapacity::history() const
{
    return m_history.data();
}

void ChartCapacity::setWindow(qint64 lengthMs)
{
    m_window = std::max<qint64>(60'000, lengthMs);
    refresh();
    scheduleFollow();
}

void ChartCapacity::setSince(qint64 ms)
{
    if (m_since == ms)
        return;
    m_since = ms;
    refresh();
    scheduleFollow();
}

qint64 ChartCapacity::shownFrom(qint64 now) const
{
    if (m_since <= 0)
        return now - m_window;
    constexpr qint64 kLeadIn = 10'000; // the service as it was just before the launch
    return std::clamp(m_since - kLeadIn, now - m_window, now - 60'000);
}

void ChartCapacity::setClock(std::function<qint64()> clock)
{
    m_clock = clock ? std::move(clock) : std::function<qint64()>([] { return Timestamps::nowMs(); });
    refresh();
}

void ChartCapacity::refresh()
{
    const qint64 now = m_clock();
    const qint64 from = shownFrom(now);
    m_chart->setTimeRange(from, now);
    if (!m_history)
        return;
    const int maxInstances = std::max(1, m_history->maxInstances());
    m_chart->setValueRange(0, maxInstances + 1);
    // About two points per pixel column is all a line can show; never more than the adapter's cap.
    const int maxPoints = std::clamp(width() * 2, 400, Chart::kMaxPointsPerSeries);
    m_chart->setPoints(InService, m_history->points(CapacitySeries::InService, from, now, maxPoints));
    m_chart->setPoints(InMaintenance, m_history->points(CapacitySeries::InMaintenance, from, now, maxPoints));
    m_chart->setPoints(Critical, m_history->points(CapacitySeries::Critical, from, now, maxPoints));
    m_chart->setPoints(Floor, m_history->points(CapacitySeries::Floor, from, now, maxPoints));
}

void ChartCapacity::scheduleFollow()
{
    if (!isVisible()) {
        m_follow.stop();
        return;
    }
    const qint64 now = m_clock();
    m_follow.start(int(std::clamp<qint64>((now - shownFrom(now)) / 120, 1000, 5000)));
}

void ChartCapacity::showEvent(QShowEvent *event)
{
    QWidget::showEvent(event);
    refresh();
    scheduleFollow();
}

void ChartCapacity::hideEvent(QHideEvent *event)
{
    QWidget::hideEvent(event);
    m_follow.stop();
}

} // namespace Baton
