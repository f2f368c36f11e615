#include "models/jobfilter.h"

#include <algorithm>

namespace Baton {

bool JobFilter::matches(qint64 id, JobState state, const QString &jobPlaybook, const QString &jobService,
    const QString &target, const QString &operatorName) const
{
    if (!states.isEmpty() && !states.contains(state))
        return false;
    if (!playbook.isEmpty() && jobPlaybook != playbook)
        return false;
    if (!service.isEmpty() && jobService != service)
        return false;
    if (text.isEmpty())
        return true;
    if (QString::number(id) == text)
        return true;
    for (const QString *field : { &jobPlaybook, &target, &operatorName, &jobService }) {
        if (field->contains(text, Qt::CaseInsensitive))
            return true;
    }
    return false;
}

JobQuery JobFilter::toQuery(int pageSize) const
{
    JobQuery q;
    q.states = QList<JobState>(states.begin(), states.end());
    std::sort(q.states.begin(), q.states.end());
    q.playbook = playbook;
    q.service = service;
    q.text = text;
    q.limit = pageSize;
    return q;
}

QSet<JobState> JobFilter::activeStates()
{
    return { JobState::Queued, JobState::Running, JobState::Cancelling };
}

QSet<JobState> JobFilter::problemStates()
{
    return { JobState::PartiallyFailed, JobState::Failed };
}

} // namespace Baton
