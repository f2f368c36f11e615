#pragma once

#include "core/domain/job.h"
#include "core/jobs/jobsapi.h"

#include <QSet>
#include <QString>

namespace Baton {

// What the operator asked the job list to show. The same filter goes to the service (history pages come back
// already filtered) and is applied to live jobs in the model, so a job launched after the filter was set shows
// up only if it matches.
struct JobFilter
{
    QSet<JobState> states; // empty: any
    QString playbook; // exact; empty: any
    QString service; // exact; empty: any
    QString text; // case-insensitive substring of id, playbook, target, operator

    bool isEmpty() const { return states.isEmpty() && playbook.isEmpty() && service.isEmpty() && text.isEmpty(); }
    bool matches(qint64 id, JobState state, const QString &jobPlaybook, const QString &jobService,
        const QString &target, const QString &operatorName) const;
    JobQuery toQuery(int pageSize) const;
    // Preset state groups the filter bar offers.
    static QSet<JobState> activeStates(); // queued, running, cancelling
    static QSet<JobState> problemStates(); // partially_failed, failed

    bool operator==(const JobFilter &) const = default;
};

} // namespace Baton
