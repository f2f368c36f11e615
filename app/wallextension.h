#pragma once

class QWidget;

namespace Baton {

class ConsoleSession;

// The wall display as the console's wall-mode page (registered with ConsoleExtensions::setWallFactory): a
// WallDisplay fed from the session — the active jobs fetched from the job service and kept live from its event
// stream, the services' budgets from the Consul watches, the event stream's state as staleness — that takes the
// window full screen while shown, remembers its layout per screen, and leaves wall mode on Esc.
QWidget *createWallPage(ConsoleSession *session, QWidget *parent);

} // namespace Baton
