#pragma once

#include "core/domain/noderunstate.h"

#include <array>

#include <QMetaType>
#include <QString>

namespace Baton {

// How many of a job's nodes are in each state: the basis for graded job colours ("14 ok / 1 failed /
// 3 waiting") instead of one red for one bad node.
struct NodeCounts
{
    std::array<int, kNodeRunStateCount> byState {};

    int &operator[](NodeRunState s) { return byState[std::size_t(s)]; }
    int operator[](NodeRunState s) const { return byState[std::size_t(s)]; }

    int total() const;
    int succeeded() const { return (*this)[NodeRunState::Succeeded]; }
    int failures() const; // failed + timed_out + unreachable
    int cancelled() const { return (*this)[NodeRunState::Cancelled]; }
    int waiting() const; // queued + waiting_for_node + waiting_for_slot
    int active() const; // starting + in_maintenance + verifying
    int terminal() const;

    // "14 ok / 1 failed / 3 waiting / 2 running"; parts that are zero are left out.
    QString summary() const;

    bool operator==(const NodeCounts &) const = default;
};

} // namespace Baton

Q_DECLARE_METATYPE(Baton::NodeCounts)
