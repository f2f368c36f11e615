#pragma once

#include <QFont>

namespace Baton {

// `base` grown or shrunk by `scale` (the wall's large type, a gauge's caption), pixel- or point-sized as it
// was, never below a legible minimum; bold on request.
QFont scaledFont(QFont base, qreal scale, bool bold = false);

} // namespace Baton
