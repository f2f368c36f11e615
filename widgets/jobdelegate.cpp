#include "widgets/jobdelegate.h"

#include "models/joblistmodel.h"
#include "widgets/theme.h"

#include <QApplication>
#include <QPainter>

namespace Baton {

JobDelegate::JobDelegate(QObject *parent)
    : QStyledItemDelegate(parent)
{ }

QSize JobDelegate::sizeHint(const QStyleOptionViewItem &option, const QModelIndex &index) const
{
    QSize s = QStyledItemDelegate::sizeHint(option, index);
    if (index.column() == JobListModel::ProgressColumn)
        s.setWidth(s.width() + 90);
    if (index.column() == JobListModel::StateColumn)
        s.setWidth(s.width() + 20);
    return s;
}

void JobDelegate::paint(QPainter *painter, const QStyleOptionViewItem &option, const QModelIndex &index) const
{
    switch (index.column()) {
    case JobListModel::StateColumn:
        paintState(painter, option, index);
        return;
    case JobListModel::ProgressColumn:
        paintProgress(painter, option, index);
        return;
    default:
        QStyledItemDelegate::paint(painter, option, index);
    }
}

void JobDelegate::paintState(QPainter *painter, const QStyleOptionViewItem &option, const QModelIndex &index) const
{
    QStyleOptionViewItem opt = option;
    initStyleOption(&opt, index);
    const QString text = opt.text;
    opt.text.clear();
    QStyle *style = opt.widget ? opt.widget->style() : QApplication::style();
    style->drawControl(QStyle::CE_ItemViewItem, &opt, painter, opt.widget);

    const Theme &theme = Theme::current();
    const auto state = index.data(JobListModel::JobStateRole).value<JobState>();
    const auto counts = index.data(JobListModel::CountsRole).value<NodeCounts>();
    const bool stuck = index.data(JobListModel::StuckRole).toBool();
    const QRect r = opt.rect.adjusted(4, 0, -4, 0);
    const int chip = std::max(8, r.height() / 2);
    const QRect chipRect(r.left(), r.center().y() - chip / 2, chip, chip);
    painter->save();
    painter->setRenderHint(QPainter::Antialiasing, true);
    painter->setPen(Qt::NoPen);
    painter->setBrush(theme.gradedJobColor(counts, state));
    // Running states are round, finished ones square: the shape tells "still moving" without colour.
    if (isTerminal(state))
        painter->drawRect(chipRect);
    else
        painter->drawEllipse(chipRect);
    QRect textRect = r.adjusted(chip + 6, 0, 0, 0);
    if (stuck) {
        painter->setPen(theme.color(Theme::Role::Stuck));
        QFont f = painter->font();
        f.setBold(true);
        painter->setFont(f);
        const QString mark = QStringLiteral("⚠ ");
        painter->drawText(textRect, Qt::AlignVCenter | Qt::AlignLeft, mark);
        textRect.setLeft(textRect.left() + painter->fontMetrics().horizontalAdvance(mark));
        painter->setFont(opt.font);
    }
    painter->setPen(opt.state & QStyle::State_Selected ? opt.palette.color(QPalette::HighlightedText)
                                                       : opt.palette.color(QPalette::Text));
    painter->drawText(textRect, Qt::AlignVCenter | Qt::AlignLeft,
        painter->fontMetrics().elidedText(text, Qt::ElideRight, textRect.width()));
    painter->restore();
}

void JobDelegate::paintProgress(QPainter *painter, const QStyleOptionViewItem &option, const QModelIndex &index) const
{
    QStyleOptionViewItem opt = option;
    initStyleOption(&opt, index);
    const QString text = opt.text;
    opt.text.clear();
    QStyle *style = opt.widget ? opt.widget->style() : QApplication::style();
    style->drawControl(QStyle::CE_ItemViewItem, &opt, painter, opt.widget);

    const auto counts = index.data(JobListModel::CountsRole).value<NodeCounts>();
    const QRect r = opt.rect.adjusted(4, 0, -4, 0);
    const int barWidth = std::min(80, r.width() / 3);
    const int barHeight = std::max(6, r.height() / 3);
    const QRectF bar(r.left(), r.center().y() - barHeight / 2.0, barWidth, barHeight);
    painter->save();
    Theme::current().paintCountsBar(*painter, bar, counts);
    const QRect textRect = r.adjusted(barWidth + 6, 0, 0, 0);
    painter->setPen(opt.state & QStyle::State_Selected ? opt.palette.color(QPalette::HighlightedText)
                                                       : opt.palette.color(QPalette::Text));
    painter->drawText(textRect, Qt::AlignVCenter | Qt::AlignLeft,
        painter->fontMetrics().elidedText(text, Qt::ElideRight, textRect.width()));
    painter->restore();
}

} // namespace Baton
