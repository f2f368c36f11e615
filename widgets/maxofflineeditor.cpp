#include "widgets/maxofflineeditor.h"

#include "models/maxofflinepreview.h"
#include "widgets/theme.h"

#include <QDialogButtonBox>
#include <QFormLayout>
#include <QGridLayout>
#include <QLabel>
#include <QPushButton>
#include <QRadioButton>
#include <QSpinBox>
#include <QVBoxLayout>

namespace Baton {

MaxOfflineEditor::MaxOfflineEditor(const ServiceStatus &status, QWidget *parent)
    : QDialog(parent)
    , m_base(status)
    , m_current(new QLabel(this))
    , m_count(new QRadioButton(QStringLiteral("Count"), this))
    , m_percent(new QRadioButton(QStringLiteral("Percent of instances"), this))
    , m_freeze(new QRadioButton(QStringLiteral("Freeze (0: nobody may leave)"), this))
    , m_countValue(new QSpinBox(this))
    , m_percentValue(new QSpinBox(this))
    , m_effective(new QLabel(this))
    , m_preview(new QLabel(this))
    , m_notice(new QLabel(this))
{
    setObjectName(QStringLiteral("maxOfflineEditor"));
    setWindowTitle(QStringLiteral("max_offline of %1").arg(status.service));
    m_count->setObjectName(QStringLiteral("countMode"));
    m_percent->setObjectName(QStringLiteral("percentMode"));
    m_freeze->setObjectName(QStringLiteral("freezeMode"));
    m_countValue->setObjectName(QStringLiteral("countValue"));
    m_percentValue->setObjectName(QStringLiteral("percentValue"));
    m_preview->setObjectName(QStringLiteral("preview"));
    m_notice->setObjectName(QStringLiteral("notice"));
    m_current->setObjectName(QStringLiteral("current"));
    m_effective->setObjectName(QStringLiteral("effective"));
    m_countValue->setRange(1, MaxOffline::kMaxCount);
    m_percentValue->setRange(1, 100);
    m_percentValue->setSuffix(QStringLiteral(" %"));
    for (QLabel *l : { m_current, m_effective, m_preview, m_notice }) {
        l->setWordWrap(true);
        l->setTextInteractionFlags(Qt::TextSelectableByMouse);
    }
    m_notice->hide();

    auto *layout = new QVBoxLayout(this);
    layout->addWidget(m_current);
    auto *grid = new QGridLayout;
    grid->addWidget(m_count, 0, 0);
    grid->addWidget(m_countValue, 0, 1);
    grid->addWidget(m_percent, 1, 0);
    grid->addWidget(m_percentValue, 1, 1);
    grid->addWidget(m_freeze, 2, 0, 1, 2);
    layout->addLayout(grid);
    layout->addWidget(m_effective);
    auto *previewTitle = new QLabel(QStringLiteral("Effect"), this);
    QFont bold = previewTitle->font();
    bold.setBold(true);
    previewTitle->setFont(bold);
    layout->addWidget(previewTitle);
    layout->addWidget(m_preview);
    layout->addWidget(m_notice);
    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Cancel, this);
    m_apply = buttons->addButton(QStringLiteral("Apply"), QDialogButtonBox::AcceptRole);
    m_apply->setObjectName(QStringLiteral("applyButton"));
    layout->addWidget(buttons);
    setMinimumWidth(fontMetrics().horizontalAdvance(QLatin1Char('x')) * 70);

    setCandidate(status.budget.maxOffline);
    for (QRadioButton *r : { m_count, m_percent, m_freeze })
        connect(r, &QRadioButton::toggled, this, &MaxOfflineEditor::refresh);
    connect(m_countValue, &QSpinBox::valueChanged, this, [this] {
        m_count->setChecked(true);
        refresh();
    });
    connect(m_percentValue, &QSpinBox::valueChanged, this, [this] {
        m_percent->setChecked(true);
        refresh();
    });
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    connect(m_apply, &QPushButton::clicked, this, [this] {
        if (m_busy || candidate() == m_base.budget.maxOffline)
            return;
        m_valueAtApply = m_base.budget.maxOffline.describe(m_base.instances);
        setBusy(true);
        Q_EMIT applyRequested(m_base.service, candidate(), m_base.maxOfflineModifyIndex);
    });
    refresh();
}

void MaxOfflineEditor::setCandidate(const MaxOffline &value)
{
    const QSignalBlocker a(m_countValue);
    const QSignalBlocker b(m_percentValue);
    if (value.isFrozen()) {
        m_freeze->setChecked(true);
    } else if (value.kind() == MaxOffline::Kind::Percent) {
        m_percent->setChecked(true);
        m_percentValue->setValue(value.value());
    } else {
        m_count->setChecked(true);
        m_countValue->setValue(value.value());
    }
    if (value.kind() != MaxOffline::Kind::Percent && !value.isFrozen())
        m_percentValue->setValue(25);
    if (value.kind() != MaxOffline::Kind::Count || value.isFrozen())
        m_countValue->setValue(std::max(1, value.limitFor(m_base.instances)));
    refresh();
}

MaxOffline MaxOfflineEditor::candidate() const
{
    if (m_freeze->isChecked())
        return MaxOffline::freeze();
    if (m_percent->isChecked())
        return MaxOffline::percent(m_percentValue->value());
    return MaxOffline::count(m_countValue->value());
}

QString MaxOfflineEditor::previewText() const
{
    return m_preview->text();
}

void MaxOfflineEditor::refresh()
{
    const ServiceBudget &b = m_base.budget;
    QStringList lines;
    lines << QStringLiteral("%1: %2 instance(s); %3 offline now; slots held by %4.")
                 .arg(m_base.service)
                 .arg(m_base.instances)
                 .arg(b.offline.size())
                 .arg(b.holders.isEmpty() ? QStringLiteral("nobody") : b.holders.join(QStringLiteral(", ")));
    lines << QStringLiteral("max_offline is %1%2.")
                 .arg(b.maxOffline.describe(m_base.instances),
                     m_base.maxOfflineKeyPresent ? QStringLiteral(" (key index %1)").arg(m_base.maxOfflineModifyIndex)
                                                 : QStringLiteral(" (the key is not set: the default)"));
    if (!b.maxOfflineWarning.isEmpty())
        lines << b.maxOfflineWarning;
    if (!m_base.waiting.isEmpty())
        lines << QStringLiteral("Waiting for a slot: %1.").arg(MaxOfflinePreview::listNames(m_base.waiting, 8));
    m_current->setText(lines.join(u'\n'));
    const MaxOffline c = candidate();
    m_effective->setText(QStringLiteral("New value: %1").arg(c.describe(m_base.instances)));
    m_preview->setText(MaxOfflinePreview::describe(b, c, m_base.waiting));
    m_apply->setEnabled(!m_busy && c != b.maxOffline);
}

void MaxOfflineEditor::showConcurrentChange(const QString &before)
{
    m_conflict = true;
    m_notice->setText(QStringLiteral("Someone else changed max_offline of %1 from %2 to %3 while you were editing. "
                                     "Your value was not written. Review the effect and apply again if you still "
                                     "want it.")
                          .arg(m_base.service, before, m_base.budget.maxOffline.describe(m_base.instances)));
    m_notice->setStyleSheet(QStringLiteral("color: %1; font-weight: bold")
                                .arg(Theme::current().color(Theme::Role::Warning).darker(130).name()));
    m_notice->show();
}

void MaxOfflineEditor::updateStatus(const ServiceStatus &status)
{
    const QString before = m_base.budget.maxOffline.describe(m_base.instances);
    const bool keyChanged
        = status.maxOfflineModifyIndex != m_base.maxOfflineModifyIndex || status.maxOfflineRaw != m_base.maxOfflineRaw;
    const QStringList waiting = m_base.waiting;
    m_base = status;
    if (m_base.waiting.isEmpty())
        m_base.waiting = waiting;
    if (keyChanged && !m_busy)
        showConcurrentChange(before);
    refresh();
}

void MaxOfflineEditor::showConflict(const ServiceStatus &current)
{
    // The value the operator's write was based on: the watch may have brought the other write in while ours was
    // in flight (updateStatus while busy), and "changed from 3 to 3" would tell them nothing.
    const QString before
        = m_valueAtApply.isEmpty() ? m_base.budget.maxOffline.describe(m_base.instances) : m_valueAtApply;
    m_valueAtApply.clear();
    const QStringList waiting = m_base.waiting;
    m_base = current;
    if (m_base.waiting.isEmpty())
        m_base.waiting = waiting;
    setBusy(false);
    showConcurrentChange(before);
    refresh();
}

void MaxOfflineEditor::applyFailed(const Error &error)
{
    m_valueAtApply.clear();
    setBusy(false);
    m_notice->setText(QStringLiteral("Not written: %1").arg(error.message));
    m_notice->setStyleSheet(QStringLiteral("color: %1").arg(Theme::current().color(Theme::Role::Critical).name()));
    m_notice->show();
}

void MaxOfflineEditor::setBusy(bool busy)
{
    m_busy = busy;
    refresh();
}

} // namespace Baton
