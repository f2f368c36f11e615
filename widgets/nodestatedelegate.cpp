#include "widgets/nodestatedelegate.h"

#include "core/domain/noderunstate.h"
#include "widgets/theme.h"

#include <QApplication>
#include <QPainter>

namespace Baton {

NodeStateDelegate::NodeStateDelegate(int stateRole, QObject *parent)
    : QStyledItemDelegate(parent)
    , m_stateRole(stateRole)
{ }

void NodeStateDelegate::paint(QPainter *painter, const QStyleOptionViewItem &option, const QModelIndex &index) const
{
    const QVariant v = index.data(m_stateRole);
    if (!v.canConvert<NodeRunState>()) {
        QStyledItemDelegate::paint(painter, option, index);
        return;
    }
    QStyleOptionViewItem opt = option;
    initStyleOption(&opt, index);
    const QString text = opt.text;
    opt.text.clear();
    QStyle *style = opt.widget ? opt.widget->style() : QApplication::style();
    style->drawControl(QStyle::CE_ItemViewItem, &opt, painter, opt.widget);
    const QRect r = opt.rect.adjusted(4, 2, -4, -2);
    const int side = std::min(r.height(), 18);
    const QRectF swatch(r.left(), r.center().y() - side / 2.0 + 0.5, side * 1.4, side);
    Theme::current().paintNodeRunSwatch(*painter, swatch, v.value<NodeRunState>());
    painter->save();
    painter->setPen(opt.state & QStyle::State_Selected ? opt.palette.color(QPalette::HighlightedText)
                                                       : opt.palette.color(QPalette::Text));
    const QRect textRect = r.adjusted(int(swatch.width()) + 6, 0, 0, 0);
    painter->drawText(textRect, Qt::AlignVCenter | Qt::AlignLeft,
        painter->fontMetrics().elidedText(text, Qt::ElideRight, textRect.width()));
    painter->restore();
}

} // namespace Baton
