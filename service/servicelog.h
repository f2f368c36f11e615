#pragma once

#include <QString>

namespace Baton::ServiceLog {

// Installs the process-wide message handler: one line per message on stderr, either text
// ("2026-11-24T23:32:00.123Z info  baton.service.jobs: …") or JSON ({"ts","level","category","msg"}), and sets
// the level for the baton.* categories. Messages never carry tokens: nothing in the service logs one.
void install(const QString &format, const QString &level);

} // namespace Baton::ServiceLog
