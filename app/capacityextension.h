#pragma once

class QWidget;

namespace Baton {

class ConsoleSession;

// The "Capacity" tab of the job detail pane: the budget gauge of each service the selected job works on
// (offline now split by cause, the waiting queue) above the capacity chart of its service (in service, in
// maintenance, critical over time, with the floor max_offline allows). Consul keeps no history, so the chart
// shows what this console has seen since it started: every Consul update of every service is recorded.
QWidget *createCapacityTab(ConsoleSession *session, QWidget *parent);

} // namespace Baton
