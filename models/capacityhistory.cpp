#include "models/capacityhistory.h"

#include <algorithm>
#include <limits>

namespace Baton {

CapacitySample CapacitySample::fromBudget(qint64 atMs, const ServiceBudget &budget)
{
    CapacitySample s;
    s.atMs = atMs;
    s.instances = budget.instances;
    for (const OfflinePeer &p : budget.offline) {
        if (p.reason.startsWith(QLatin1StringView("maintenance")))
            ++s.inMaintenance;
        else
            ++s.critical;
    }
    s.inService = std::max(0, s.instances - s.inMaintenance - s.critical);
    s.limit = budget.limit();
    return s;
}

CapacityHistory::CapacityHistory(const QString &service, QObject *parent)
    : QObject(parent)
    , m_service(service)
{ }

void CapacityHistory::setMaxSamples(int n)
{
    m_maxSamples = std::max(2, n);
    trim(lastTime());
}

void CapacityHistory::setRetention(qint64 ms)
{
    m_retentionMs = std::max<qint64>(1000, ms);
    trim(lastTime());
}

bool CapacityHistory::addSample(CapacitySample sample)
{
    if (!m_samples.empty()) {
        const CapacitySample &last = m_samples.back();
        if (sample.sameValues(last))
            return false;
        sample.atMs = std::max(sample.atMs, last.atMs);
        if (sample.atMs == last.atMs) {
            // Two readings in the same millisecond: the later one is the truth.
            m_samples.back() = sample;
            Q_EMIT changed();
            return true;
        }
    }
    m_samples.push_back(sample);
    trim(sample.atMs);
    Q_EMIT changed();
    return true;
}

bool CapacityHistory::addBudget(qint64 atMs, const ServiceBudget &budget)
{
    return addSample(CapacitySample::fromBudget(atMs, budget));
}

void CapacityHistory::clear()
{
    if (m_samples.empty())
        return;
    m_samples.clear();
    Q_EMIT changed();
}

void CapacityHistory::trim(qint64 newest)
{
    // Keep one sample from before the retention window: it is the value that held at the window's start.
    const qint64 cutoff = newest - m_retentionMs;
    while (m_samples.size() > 1 && m_samples[1].atMs <= cutoff)
        m_samples.pop_front();
    while (int(m_samples.size()) > m_maxSamples)
        m_samples.pop_front();
}

int CapacityHistory::maxInstances() const
{
    int n = 0;
    for (const CapacitySample &s : m_samples)
        n = std::max(n, s.instances);
    return n;
}

namespace {
int valueOf(const CapacitySample &s, CapacitySeries series)
{
    switch (series) {
    case CapacitySeries::InService:
        return s.inService;
    case CapacitySeries::InMaintenance:
        return s.inMaintenance;
    case CapacitySeries::Critical:
        return s.critical;
    case CapacitySeries::Floor:
        return s.floor();
    }
    return 0;
}
} // namespace

QList<QPointF> CapacityHistory::points(CapacitySeries series, qint64 from, qint64 to, int maxPoints) const
{
    QList<QPointF> out;
    if (m_samples.empty() || to < from)
        return out;
    // The sample holding at `from`: the last one at or before it (or the first, if all are later).
    auto it = std::upper_bound(
        m_samples.begin(), m_samples.end(), from, [](qint64 t, const CapacitySample &s) { return t < s.atMs; });
    if (it != m_samples.begin())
        --it;
    const qint64 start = std::max(from, it->atMs);
    if (start > to)
        return out;
    int value = valueOf(*it, series);
    out.append(QPointF(double(start), value));
    for (++it; it != m_samples.end() && it->atMs <= to; ++it) {
        const int v = valueOf(*it, series);
        if (v == value)
            continue;
        // A step: the old value up to the change, then the new one.
        out.append(QPointF(double(it->atMs), value));
        out.append(QPointF(double(it->atMs), v));
        value = v;
    }
    if (out.constLast().x() < double(to))
        out.append(QPointF(double(to), value));
    return Capacity::downsampleMinMax(out, maxPoints);
}

namespace Capacity {

QList<QPointF> downsampleMinMax(const QList<QPointF> &points, int maxPoints)
{
    maxPoints = std::max(4, maxPoints);
    if (points.size() <= maxPoints)
        return points;
    const int buckets = maxPoints / 4;
    const double x0 = points.constFirst().x();
    const double x1 = points.constLast().x();
    const double width = std::max(1e-9, x1 - x0);
    QList<QPointF> out;
    out.reserve(buckets * 4);
    qsizetype i = 0;
    for (int b = 0; b < buckets && i < points.size(); ++b) {
        const double end = b + 1 == buckets ? std::numeric_limits<double>::infinity() : x0 + width * (b + 1) / buckets;
        const qsizetype first = i;
        qsizetype lo = i;
        qsizetype hi = i;
        while (i < points.size() && points.at(i).x() < end) {
            if (points.at(i).y() < points.at(lo).y())
                lo = i;
            if (points.at(i).y() > points.at(hi).y())
                hi = i;
            ++i;
        }
        if (i == first)
            continue; // empty bucket
        const qsizetype last = i - 1;
        // First, min, max, last in x order, without repeating an index.
        qsizetype idx[4] = { first, std::min(lo, hi), std::max(lo, hi), last };
        qsizetype previous = -1;
        for (qsizetype k : idx) {
            if (k != previous && k > previous) {
                out.append(points.at(k));
                previous = k;
            }
        }
    }
    return out;
}

} // namespace Capacity
} // namespace Baton
