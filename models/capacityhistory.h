#pragma once

#include "core/domain/servicebudget.h"

#include <deque>

#include <QList>
#include <QObject>
#include <QPointF>

namespace Baton {

// One moment of a service's capacity: how many instances serve, how many are in maintenance or critical, and
// the floor its max_offline allows (instances − limit: fewer in service than this breaks the budget).
struct CapacitySample
{
    qint64 atMs = 0;
    int instances = 0;
    int inService = 0;
    int inMaintenance = 0;
    int critical = 0;
    int limit = 0;

    int floor() const { return std::max(0, instances - limit); }
    bool sameValues(const CapacitySample &o) const
    {
        return instances == o.instances && inService == o.inService && inMaintenance == o.inMaintenance
            && critical == o.critical && limit == o.limit;
    }
    bool operator==(const CapacitySample &) const = default;

    // From a budget as the Consul watcher reports it: offline peers whose reason starts with "maintenance" are
    // in maintenance, every other offline peer is critical (the gate's offline rule).
    static CapacitySample fromBudget(qint64 atMs, const ServiceBudget &budget);
};

enum class CapacitySeries
{
    InService,
    InMaintenance,
    Critical,
    Floor
};

// \class CapacityHistory
// \brief The capacity of one service over time, as a step function, for the capacity chart.
//
// Samples are stored only when a value changes (Consul answers a blocking query with the same data often),
// bounded by count and by age, so a wall display that runs for weeks holds a fixed amount. points() turns one
// series into the corners of its step line within a window and, past `maxPoints`, downsamples by keeping the
// first, lowest, highest and last point of each time bucket: every spike stays visible at any zoom.
class CapacityHistory : public QObject
{
    Q_OBJECT

public:
    static constexpr int kDefaultMaxSamples = 50'000;
    static constexpr qint64 kDefaultRetentionMs = 7LL * 24 * 3'600'000;

    explicit CapacityHistory(const QString &service = QString(), QObject *parent = nullptr);

    QString service() const { return m_service; }
    void setMaxSamples(int n);
    void setRetention(qint64 ms);

    // Appends a sample when its values differ from the last one; returns whether it was stored. A sample older
    // than the last is taken as happening at the last one's time (clocks of different sources drift a little).
    bool addSample(CapacitySample sample);
    bool addBudget(qint64 atMs, const ServiceBudget &budget);
    void clear();

    int sampleCount() const { return int(m_samples.size()); }
    const CapacitySample &sample(int i) const { return m_samples[std::size_t(i)]; }
    qint64 firstTime() const { return m_samples.empty() ? 0 : m_samples.front().atMs; }
    qint64 lastTime() const { return m_samples.empty() ? 0 : m_samples.back().atMs; }
    // The highest instance count seen (a sensible top for the value axis).
    int maxInstances() const;

    // Step-line corners of one series in [from, to] (x = ms since the epoch, y = count): the value holding at
    // `from`, each change, and the value held until `to`. At most maxPoints points (≥ 4).
    QList<QPointF> points(CapacitySeries series, qint64 from, qint64 to, int maxPoints) const;

Q_SIGNALS:
    void changed();

private:
    void trim(qint64 newest);

    QString m_service;
    std::deque<CapacitySample> m_samples;
    int m_maxSamples = kDefaultMaxSamples;
    qint64 m_retentionMs = kDefaultRetentionMs;
};

namespace Capacity {

// Keeps at most maxPoints of a polyline sorted by x: per time bucket its first, lowest, highest and last point
// in x order, so the drawn shape is the same at pixel resolution. maxPoints below 4 is taken as 4.
QList<QPointF> downsampleMinMax(const QList<QPointF> &points, int maxPoints);

} // namespace Capacity

} // namespace Baton
