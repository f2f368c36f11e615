#pragma once

#include "widgets/theme.h"

#include <memory>

#include <QColor>
#include <QList>
#include <QPointF>
#include <QString>
#include <QWidget>

namespace Baton {

// \class Chart
// \brief The console's one chart adapter: a time-series line chart whose API names no chart library.
//
// Qt Charts is deprecated since Qt 6.10 (Qt Graphs replaces it, and has no widgets API yet), so everything
// about it stays in chart.cpp: nothing else in the tree includes QtCharts, and swapping the library means
// rewriting that one file behind this header.
//
// Built for a live display: points are replaced whole (never appended one by one), at most
// maxUpdatesPerSecond() times a second however often setPoints() is called, each series holds at most
// kMaxPointsPerSeries points (more are downsampled keeping each bucket's extremes), and nothing animates.
class Chart : public QWidget
{
    Q_OBJECT

public:
    enum class LineStyle
    {
        Solid,
        Dashed,
        Dotted
    };
    struct SeriesSpec
    {
        QString name;
        QColor color;
        LineStyle style = LineStyle::Solid;
        qreal width = 2.0;
    };

    static constexpr int kMaxPointsPerSeries = 10'000;

    explicit Chart(QWidget *parent = nullptr);
    ~Chart() override;

    // Returns the series' index.
    int addSeries(const SeriesSpec &spec);
    int seriesCount() const;

    // Replaces one series' points (x: ms since the epoch, y: value). Applied on the next update tick.
    void setPoints(int series, QList<QPointF> points);
    void setTimeRange(qint64 fromMs, qint64 toMs);
    void setValueRange(double min, double max);
    void setTitle(const QString &title);
    void setTheme(const Theme &theme);
    void setMaxUpdatesPerSecond(int n);
    int maxUpdatesPerSecond() const;

    // Applies pending changes now instead of on the tick.
    void flush();
    bool hasPendingUpdate() const;

    // What the chart shows (after downsampling), and how many whole-series replacements it made so far.
    int pointCount(int series) const;
    QList<QPointF> points(int series) const;
    int replaceCount() const;
    // The time range and the value axis' tick spacing as last applied.
    std::pair<qint64, qint64> shownTimeRange() const;
    double valueTickInterval() const;

private:
    struct Private;
    std::unique_ptr<Private> d;
};

} // namespace Baton
