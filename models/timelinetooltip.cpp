#include "models/timelinetooltip.h"

#include "models/timelinecoordinates.h"
#include "models/timelinemodel.h"

#include <QDateTime>
#include <QStringList>

namespace Baton::Timeline {

namespace {

QString clock(qint64 ms)
{
    return QDateTime::fromMSecsSinceEpoch(ms).toString(QStringLiteral("HH:mm:ss"));
}

QString esc(const QString &s)
{
    return s.toHtmlEscaped();
}

QString countsLine(const NodeCounts &c)
{
    QStringList parts;
    for (int s = 0; s < kNodeRunStateCount; ++s) {
        const int n = c.byState[std::size_t(s)];
        if (n > 0)
            parts << QStringLiteral("%1 %2").arg(n).arg(displayName(NodeRunState(s)));
    }
    return parts.join(QStringLiteral(", "));
}

} // namespace

QString reasonLine(NodeRunState state, const QString &detail)
{
    if (detail.isEmpty())
        return QString();
    if (isWaiting(state))
        return QStringLiteral("waiting: %1").arg(detail);
    if (isFailure(state) || state == NodeRunState::Cancelled)
        return QStringLiteral("reason: %1").arg(detail);
    return detail;
}

QString laneTooltip(const TimelineModel &model, int lane, qint64 time, qint64 now)
{
    if (lane < 0 || lane >= model.laneCount())
        return QString();
    const TimelineLane &l = model.lane(lane);
    QStringList lines;
    lines << (l.service.isEmpty() ? QStringLiteral("<b>%1</b>").arg(esc(l.node))
                                  : QStringLiteral("<b>%1</b> (%2)").arg(esc(l.node), esc(l.service)));
    const int si = model.spanAt(lane, time);
    if (si < 0) {
        lines << QStringLiteral("no state at %1").arg(clock(time));
        lines << QStringLiteral("now: %1").arg(esc(displayName(l.state)));
        return lines.join(QStringLiteral("<br>"));
    }
    const TimelineSpan &s = model.span(lane, si);
    if (s.isOpen()) {
        lines << QStringLiteral("%1 · %2 so far (since %3)")
                     .arg(esc(displayName(s.state)), formatDuration(now - s.start), clock(s.start));
    } else {
        lines << QStringLiteral("%1 · %2 (%3 – %4)")
                     .arg(esc(displayName(s.state)), formatDuration(s.end - s.start), clock(s.start), clock(s.end));
    }
    if (const QString r = reasonLine(s.state, model.text(s.detail)); !r.isEmpty())
        lines << esc(r);
    if (const int ti = model.taskAt(lane, time); ti >= 0) {
        const TimelineTask &t = model.task(lane, ti);
        const qint64 end = t.isOpen() ? now : t.end;
        lines << QStringLiteral("task: %1 · %2%3")
                     .arg(esc(model.text(t.name)), formatDuration(end - t.start),
                         t.isOpen() ? QStringLiteral(" so far") : QString());
    }
    if (!l.spans.empty()) {
        const qint64 first = l.spans.front().start;
        const TimelineSpan &last = l.spans.back();
        const qint64 end = isTerminal(last.state) ? last.start : (last.isOpen() ? now : last.end);
        lines << QStringLiteral("node run: %1%2")
                     .arg(formatDuration(end - first), isTerminal(l.state) ? QString() : QStringLiteral(" so far"));
    }
    return lines.join(QStringLiteral("<br>"));
}

QString aggregateTooltip(const TimelineModel &model, int firstLane, int laneCount, qint64 time, qint64 now)
{
    Q_UNUSED(now);
    const int end = std::min(model.laneCount(), firstLane + laneCount);
    if (firstLane < 0 || firstLane >= end)
        return QString();
    NodeCounts c;
    for (int lane = firstLane; lane < end; ++lane) {
        const int si = model.spanAt(lane, time);
        if (si >= 0)
            ++c[model.span(lane, si).state];
    }
    QStringList lines;
    lines << QStringLiteral("<b>%1 … %2</b> (%3 nodes)")
                 .arg(esc(model.lane(firstLane).node), esc(model.lane(end - 1).node))
                 .arg(end - firstLane);
    const QString states = countsLine(c);
    lines << QStringLiteral("at %1: %2").arg(clock(time), states.isEmpty() ? QStringLiteral("no state") : esc(states));
    lines << QStringLiteral("zoom in or scroll to see each node");
    return lines.join(QStringLiteral("<br>"));
}

QString groupTooltip(const TimelineModel &model, int group)
{
    if (group < 0 || group >= model.groupCount())
        return QString();
    const TimelineGroup &g = model.group(group);
    NodeCounts c;
    for (int lane = g.firstLane; lane < g.firstLane + g.laneCount; ++lane)
        ++c[model.lane(lane).state];
    QStringList lines;
    lines << QStringLiteral("<b>%1</b> · %2 nodes")
                 .arg(esc(g.service.isEmpty() ? QStringLiteral("(no service)") : g.service))
                 .arg(g.laneCount);
    lines << esc(countsLine(c));
    return lines.join(QStringLiteral("<br>"));
}

} // namespace Baton::Timeline
