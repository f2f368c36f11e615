#include "widgets/fontscale.h"

#include <algorithm>
#include <cmath>

namespace Baton {

QFont scaledFont(QFont base, qreal scale, bool bold)
{
    if (base.pixelSize() > 0)
        base.setPixelSize(std::max(6, int(std::lround(base.pixelSize() * scale))));
    else
        base.setPointSizeF(std::max<qreal>(5.0, base.pointSizeF() * scale));
    base.setBold(bold);
    return base;
}

} // namespace Baton
