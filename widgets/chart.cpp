// The only file of the tree that uses Qt Charts (see chart.h for why).
#include "widgets/chart.h"

#include "models/capacityhistory.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include <QChart>
#include <QChartView>
#include <QDateTime>
#include <QDateTimeAxis>
#include <QElapsedTimer>
#include <QLegendMarker>
#include <QLineSeries>
#include <QTimer>
#include <QVBoxLayout>
#include <QValueAxis>

namespace Baton {

struct Chart::Private
{
    QChart *chart = nullptr;
    QChartView *view = nullptr;
    QDateTimeAxis *timeAxis = nullptr;
    QValueAxis *valueAxis = nullptr;
    std::vector<QLineSeries *> series;
    std::vector<SeriesSpec> specs;
    std::vector<QList<QPointF>> pending;
    std::vector<bool> dirty;
    qint64 from = 0;
    qint64 to = 0;
    bool rangeDirty = false;
    double vmin = 0;
    double vmax = 1;
    bool valueDirty = false;
    int maxPerSecond = 4;
    int replaces = 0;
    QTimer timer;
    QElapsedTimer sinceLast;
    Theme theme = Theme::current();

    void applyTheme()
    {
        const QColor base = theme.color(Theme::Role::Base);
        const QColor text = theme.color(Theme::Role::Text);
        const QColor muted = theme.color(Theme::Role::MutedText);
        const QColor grid = theme.color(Theme::Role::Grid);
        chart->setBackgroundBrush(base);
        chart->setPlotAreaBackgroundVisible(false);
        chart->setTitleBrush(text);
        chart->legend()->setLabelColor(text);
        for (QAbstractAxis *axis :
            { static_cast<QAbstractAxis *>(timeAxis), static_cast<QAbstractAxis *>(valueAxis) }) {
            axis->setLabelsColor(muted);
            axis->setGridLineColor(grid);
            axis->setLinePenColor(grid);
        }
        view->setBackgroundBrush(base);
    }

    static Qt::PenStyle penStyle(LineStyle s)
    {
        switch (s) {
        case LineStyle::Solid:
            return Qt::SolidLine;
        case LineStyle::Dashed:
            return Qt::DashLine;
        case LineStyle::Dotted:
            return Qt::DotLine;
        }
        return Qt::SolidLine;
    }
};

Chart::Chart(QWidget *parent)
    : QWidget(parent)
    , d(std::make_unique<Private>())
{
    d->chart = new QChart;
    d->chart->setAnimationOptions(QChart::NoAnimation);
    d->chart->legend()->setAlignment(Qt::AlignBottom);
    d->chart->setMargins(QMargins(4, 4, 4, 4));
    d->timeAxis = new QDateTimeAxis(d->chart);
    d->timeAxis->setFormat(QStringLiteral("HH:mm"));
    d->timeAxis->setTickCount(7);
    d->valueAxis = new QValueAxis(d->chart);
    d->valueAxis->setLabelFormat(QStringLiteral("%d"));
    d->valueAxis->setMin(0);
    d->valueAxis->setMax(1);
    d->chart->addAxis(d->timeAxis, Qt::AlignBottom);
    d->chart->addAxis(d->valueAxis, Qt::AlignLeft);
    d->view = new QChartView(d->chart, this);
    // Raster without antialiasing: OpenGL is not assumed on a wall box, and thin step lines need no smoothing.
    d->view->setRenderHint(QPainter::Antialiasing, false);
    d->view->setFrameShape(QFrame::NoFrame);
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(d->view);
    d->timer.setSingleShot(true);
    d->timer.setTimerType(Qt::CoarseTimer);
    connect(&d->timer, &QTimer::timeout, this, &Chart::flush);
    d->applyTheme();
}

Chart::~Chart() = default;

int Chart::addSeries(const SeriesSpec &spec)
{
    auto *s = new QLineSeries(d->chart);
    s->setName(spec.name);
    QPen pen(spec.color, spec.width, Private::penStyle(spec.style));
    pen.setCosmetic(true);
    s->setPen(pen);
    s->setPointsVisible(false);
    d->chart->addSeries(s);
    s->attachAxis(d->timeAxis);
    s->attachAxis(d->valueAxis);
    d->series.push_back(s);
    d->specs.push_back(spec);
    d->pending.emplace_back();
    d->dirty.push_back(false);
    return int(d->series.size()) - 1;
}

int Chart::seriesCount() const
{
    return int(d->series.size());
}

void Chart::setPoints(int series, QList<QPointF> points)
{
    if (series < 0 || series >= seriesCount())
        return;
    if (points.size() > kMaxPointsPerSeries)
        points = Capacity::downsampleMinMax(points, kMaxPointsPerSeries);
    d->pending[std::size_t(series)] = std::move(points);
    d->dirty[std::size_t(series)] = true;
    if (!d->timer.isActive()) {
        // At most maxPerSecond replacements a second: the first change after a quiet spell shows at once
        // (well, on the next event-loop turn), later ones wait for the interval to pass.
        const qint64 interval = 1000 / std::max(1, d->maxPerSecond);
        const qint64 elapsed = d->sinceLast.isValid() ? d->sinceLast.elapsed() : interval;
        d->timer.start(int(std::max<qint64>(0, interval - elapsed)));
    }
}

void Chart::setTimeRange(qint64 fromMs, qint64 toMs)
{
    if (toMs <= fromMs || (fromMs == d->from && toMs == d->to))
        return;
    d->from = fromMs;
    d->to = toMs;
    d->rangeDirty = true;
    if (!d->timer.isActive())
        d->timer.start(0);
}

void Chart::setValueRange(double min, double max)
{
    if (!(max > min) || (min == d->vmin && max == d->vmax))
        return;
    d->vmin = min;
    d->vmax = max;
    d->valueDirty = true;
    if (!d->timer.isActive())
        d->timer.start(0);
}

void Chart::setTitle(const QString &title)
{
    d->chart->setTitle(title);
}

void Chart::setTheme(const Theme &theme)
{
    d->theme = theme;
    d->applyTheme();
}

void Chart::setMaxUpdatesPerSecond(int n)
{
    d->maxPerSecond = std::clamp(n, 1, 60);
}

int Chart::maxUpdatesPerSecond() const
{
    return d->maxPerSecond;
}

bool Chart::hasPendingUpdate() const
{
    return d->rangeDirty || d->valueDirty || std::any_of(d->dirty.begin(), d->dirty.end(), [](bool b) { return b; });
}

void Chart::flush()
{
    d->timer.stop();
    if (!hasPendingUpdate())
        return;
    if (d->rangeDirty) {
        d->timeAxis->setRange(QDateTime::fromMSecsSinceEpoch(d->from), QDateTime::fromMSecsSinceEpoch(d->to));
        const qint64 span = d->to - d->from;
        d->timeAxis->setFormat(span <= 10 * 60'000 ? QStringLiteral("HH:mm:ss")
                : span <= 2 * 86'400'000LL         ? QStringLiteral("HH:mm")
                                                   : QStringLiteral("d MMM HH:mm"));
        d->rangeDirty = false;
    }
    if (d->valueDirty) {
        d->valueAxis->setRange(d->vmin, d->vmax);
        // Counts of instances: ticks on whole numbers only (a fixed tick count put them at 1.67, 3.33, … and
        // "%d" printed those as 1, 3, 4, 6), at most about seven of them.
        d->valueAxis->setTickType(QValueAxis::TicksDynamic);
        d->valueAxis->setTickAnchor(0);
        d->valueAxis->setTickInterval(std::max(1.0, std::ceil((d->vmax - d->vmin) / 6.0)));
        d->valueDirty = false;
    }
    for (std::size_t i = 0; i < d->series.size(); ++i) {
        if (!d->dirty[i])
            continue;
        d->series[i]->replace(d->pending[i]);
        d->pending[i].clear();
        d->dirty[i] = false;
        ++d->replaces;
    }
    d->sinceLast.start();
}

int Chart::pointCount(int series) const
{
    return series >= 0 && series < seriesCount() ? int(d->series[std::size_t(series)]->count()) : 0;
}

QList<QPointF> Chart::points(int series) const
{
    return series >= 0 && series < seriesCount() ? d->series[std::size_t(series)]->points() : QList<QPointF>();
}

int Chart::replaceCount() const
{
    return d->replaces;
}

std::pair<qint64, qint64> Chart::shownTimeRange() const
{
    return { d->timeAxis->min().toMSecsSinceEpoch(), d->timeAxis->max().toMSecsSinceEpoch() };
}

double Chart::valueTickInterval() const
{
    return d->valueAxis->tickInterval();
}

} // namespace Baton
