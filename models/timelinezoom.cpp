#include "models/timelinezoom.h"

#include "models/timelinecoordinates.h"

#include <algorithm>
#include <cmath>

namespace Baton {

namespace {
qint64 ceilTo(qint64 v, qint64 step)
{
    if (step <= 0)
        return v;
    qint64 q = v / step;
    if (v % step != 0 && v > 0)
        ++q;
    return q * step;
}
} // namespace

TimelineZoom::TimelineZoom(QObject *parent)
    : QObject(parent)
{ }

qint64 TimelineZoom::followLead(qint64 length) const
{
    // A little room right of now so the growing edge is visible, and one quantum so steps do not hide it.
    return std::max<qint64>(length / 32, 500);
}

void TimelineZoom::apply(qint64 start, qint64 end)
{
    qint64 length = std::clamp(end - start, kMinWindowMs, kMaxWindowMs);
    if (end - start != length) {
        const qint64 mid = start + (end - start) / 2;
        start = mid - length / 2;
        end = start + length;
    }
    if (start == m_start && end == m_end)
        return;
    m_start = start;
    m_end = end;
    Q_EMIT rangeChanged(m_start, m_end);
}

void TimelineZoom::updateFollowed()
{
    switch (m_follow) {
    case Follow::Off:
        return;
    case Follow::Window: {
        const qint64 length = std::clamp(m_followLength, kMinWindowMs, kMaxWindowMs);
        const qint64 step = std::max<qint64>(length / kFollowSteps, 1);
        const qint64 end = ceilTo(m_now + followLead(length), step);
        apply(end - length, end);
        return;
    }
    case Follow::Trace: {
        const qint64 start = m_traceStart;
        const qint64 span = std::max(kMinWindowMs, std::max(m_now, m_traceEnd) - start);
        // The length grows with the job; its steps are nice round times so the range changes rarely.
        const qint64 step = Timeline::niceTickStep(double(span) / kFollowSteps, 1.0);
        const qint64 end = start + ceilTo(std::max(m_now, m_traceEnd) - start + followLead(span), step);
        apply(start, end);
        return;
    }
    }
}

void TimelineZoom::setTrace(qint64 start, qint64 end)
{
    m_traceStart = start;
    m_traceEnd = std::max(start, end);
    if (m_end <= m_start && m_follow == Follow::Off)
        apply(m_traceStart, std::max(m_traceEnd, m_traceStart + kMinWindowMs));
    updateFollowed();
}

void TimelineZoom::setNow(qint64 now)
{
    m_now = now;
    updateFollowed();
}

void TimelineZoom::setFollow(Follow follow)
{
    if (follow == Follow::Window && m_follow != Follow::Window && m_end > m_start)
        m_followLength = m_end - m_start;
    if (follow != m_follow) {
        m_follow = follow;
        Q_EMIT followChanged(m_follow);
    }
    updateFollowed();
}

void TimelineZoom::setRange(qint64 start, qint64 end)
{
    setFollow(Follow::Off);
    apply(start, end);
}

void TimelineZoom::zoom(double factor, qint64 anchor)
{
    if (!(factor > 0) || m_end <= m_start)
        return;
    const qint64 oldLength = m_end - m_start;
    const qint64 newLength = std::clamp(qint64(std::llround(double(oldLength) * factor)), kMinWindowMs, kMaxWindowMs);
    if (m_follow != Follow::Off) {
        // Keep following, now with a window of the new length.
        m_followLength = newLength;
        if (m_follow == Follow::Trace) {
            m_follow = Follow::Window;
            Q_EMIT followChanged(m_follow);
        }
        updateFollowed();
        return;
    }
    const double rel = double(anchor - m_start) / double(oldLength);
    const qint64 start = anchor - qint64(std::llround(rel * double(newLength)));
    apply(start, start + newLength);
}

void TimelineZoom::pan(qint64 deltaMs)
{
    if (deltaMs == 0)
        return;
    setFollow(Follow::Off);
    apply(m_start + deltaMs, m_end + deltaMs);
}

void TimelineZoom::fitTrace(bool running)
{
    if (running) {
        setFollow(Follow::Trace);
        return;
    }
    setFollow(Follow::Off);
    const qint64 length = std::max(kMinWindowMs, m_traceEnd - m_traceStart);
    const qint64 margin = length / 50;
    apply(m_traceStart - margin, m_traceEnd + margin);
}

} // namespace Baton
