#pragma once

#include "core/domain/noderunstate.h"

#include <QString>

namespace Baton {
class TimelineModel;
}

namespace Baton::Timeline {

// Text of the timeline's hover tooltips, as HTML with every model string escaped. Headless so the wording is
// tested without a widget.

// "waiting: slots held by web-1, web-3; web-5 critical: http" for waiting states, "reason: …" for failures and
// cancellations, the plain detail otherwise; empty when there is no detail.
QString reasonLine(NodeRunState state, const QString &detail);

// One lane at `time`: node and service, the state with its duration (and "so far" while it lasts), the reason,
// the task with its duration, and the node run's total time.
QString laneTooltip(const TimelineModel &model, int lane, qint64 time, qint64 now);

// Several lanes drawn as one row: their names and how many were in each state at `time`.
QString aggregateTooltip(const TimelineModel &model, int firstLane, int laneCount, qint64 time, qint64 now);

// A service header: the service and its lanes' current states.
QString groupTooltip(const TimelineModel &model, int group);

} // namespace Baton::Timeline
