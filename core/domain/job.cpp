#include "core/domain/job.h"

namespace Baton {

NodeRun *Job::findNode(const QString &node)
{
    for (NodeRun &r : nodes) {
        if (r.node == node)
            return &r;
    }
    return nullptr;
}

const NodeRun *Job::findNode(const QString &node) const
{
    return const_cast<Job *>(this)->findNode(node);
}

NodeCounts Job::countNodes() const
{
    NodeCounts c;
    for (const NodeRun &r : nodes)
        ++c[r.state];
    return c;
}

bool Job::isHalted() const
{
    return !haltReason.isEmpty() && !isTerminal(state);
}

} // namespace Baton
