#pragma once

#include "core/domain/nodecounts.h"

#include <optional>

#include <QMetaType>
#include <QString>

namespace Baton {

// A job's state is graded from its nodes, never one red for one bad node out of many.
enum class JobState
{
    Queued, // accepted, no node has started
    Running,
    Cancelling, // a cancel was requested; in-flight nodes are finishing or being killed
    Succeeded,
    PartiallyFailed, // some nodes succeeded, some failed
    Failed, // nodes failed and none succeeded
    Cancelled,
};

QString toWire(JobState state);
std::optional<JobState> jobStateFromWire(QStringView text);
QString displayName(JobState state);
bool isTerminal(JobState state);

// The grading rule, in one place so the service and the console agree:
// - any node not terminal: Queued if every node is still queued, Cancelling if a cancel was asked, else Running;
// - all terminal: no failures → Succeeded (or Cancelled if any node was cancelled);
//   failures and some successes → PartiallyFailed; failures and no success → Failed.
JobState gradeJob(const NodeCounts &counts, bool cancelRequested);

} // namespace Baton

Q_DECLARE_METATYPE(Baton::JobState)
