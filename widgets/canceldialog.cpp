#include "widgets/canceldialog.h"

#include "widgets/theme.h"

#include <QDialogButtonBox>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QRadioButton>
#include <QVBoxLayout>

namespace Baton {

CancelDialog::CancelDialog(const Target &target, QWidget *parent)
    : QDialog(parent)
    , m_target(target)
    , m_effect(new QLabel(this))
{
    setObjectName(QStringLiteral("cancelDialog"));
    auto *layout = new QVBoxLayout(this);
    auto *heading = new QLabel(this);
    heading->setObjectName(QStringLiteral("cancelHeading"));
    heading->setWordWrap(true);
    QFont f = heading->font();
    f.setBold(true);
    heading->setFont(f);
    layout->addWidget(heading);
    if (!target.jobSummary.isEmpty()) {
        auto *summary = new QLabel(target.jobSummary, this);
        summary->setWordWrap(true);
        layout->addWidget(summary);
    }

    switch (target.level) {
    case Level::Job:
        setWindowTitle(QStringLiteral("Cancel job %1").arg(target.jobId));
        heading->setText(QStringLiteral("Cancel job %1?").arg(target.jobId));
        m_graceful = new QRadioButton(QStringLiteral("Gracefully: admit no new node, let runs in flight finish"), this);
        m_forceKeep
            = new QRadioButton(QStringLiteral("By force, keeping killed nodes in maintenance for inspection"), this);
        m_forceRelease = new QRadioButton(QStringLiteral("By force, releasing killed nodes' maintenance"), this);
        m_graceful->setObjectName(QStringLiteral("graceful"));
        m_forceKeep->setObjectName(QStringLiteral("forceKeep"));
        m_forceRelease->setObjectName(QStringLiteral("forceRelease"));
        // A stuck job is the reason to use force: offer it first then.
        (target.stuck ? m_forceKeep : m_graceful)->setChecked(true);
        layout->addWidget(m_graceful);
        layout->addWidget(m_forceKeep);
        layout->addWidget(m_forceRelease);
        break;
    case Level::DropNode:
        setWindowTitle(QStringLiteral("Drop %1 from job %2").arg(target.node).arg(target.jobId));
        heading->setText(QStringLiteral("Drop %1 from job %2?").arg(target.node).arg(target.jobId));
        break;
    case Level::ForceKillNode:
        setWindowTitle(QStringLiteral("Force-kill %1 in job %2").arg(target.node).arg(target.jobId));
        heading->setText(QStringLiteral("Kill the run on %1 (job %2)?").arg(target.node).arg(target.jobId));
        m_forceKeep = new QRadioButton(QStringLiteral("Keep %1 in maintenance for inspection").arg(target.node), this);
        m_forceRelease = new QRadioButton(QStringLiteral("Release %1's maintenance and slot").arg(target.node), this);
        m_forceKeep->setObjectName(QStringLiteral("forceKeep"));
        m_forceRelease->setObjectName(QStringLiteral("forceRelease"));
        m_forceKeep->setChecked(true);
        layout->addWidget(m_forceKeep);
        layout->addWidget(m_forceRelease);
        break;
    }

    m_effect->setObjectName(QStringLiteral("effect"));
    m_effect->setWordWrap(true);
    m_effect->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_effect->setMinimumWidth(fontMetrics().horizontalAdvance(QLatin1Char('x')) * 60);
    layout->addWidget(m_effect);

    if (target.production) {
        auto *warn = new QLabel(QStringLiteral("This is the production profile \"%1\". Type %2 to confirm.")
                                    .arg(target.profileName, confirmationWord()),
            this);
        warn->setWordWrap(true);
        warn->setStyleSheet(QStringLiteral("color: %1; font-weight: bold")
                                .arg(Theme::current().color(Theme::Role::ProductionAccent).name()));
        m_confirm = new QLineEdit(this);
        m_confirm->setObjectName(QStringLiteral("confirmation"));
        m_confirm->setPlaceholderText(confirmationWord());
        layout->addWidget(warn);
        layout->addWidget(m_confirm);
        connect(m_confirm, &QLineEdit::textChanged, this, &CancelDialog::update);
    }

    auto *buttons = new QDialogButtonBox(this);
    buttons->addButton(QStringLiteral("Keep running"), QDialogButtonBox::RejectRole);
    m_ok = buttons->addButton(target.level == Level::DropNode ? QStringLiteral("Drop node")
            : target.level == Level::Job                      ? QStringLiteral("Cancel job")
                                                              : QStringLiteral("Kill run"),
        QDialogButtonBox::AcceptRole);
    m_ok->setObjectName(QStringLiteral("confirmButton"));
    layout->addWidget(buttons);
    connect(buttons, &QDialogButtonBox::accepted, this, [this] {
        if (canConfirm())
            accept();
    });
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    for (QRadioButton *r : { m_graceful, m_forceKeep, m_forceRelease }) {
        if (r)
            connect(r, &QRadioButton::toggled, this, &CancelDialog::update);
    }
    update();
}

QString CancelDialog::confirmationWord() const
{
    if (!m_target.production)
        return {};
    return m_target.level == Level::Job ? QString::number(m_target.jobId) : m_target.node;
}

bool CancelDialog::canConfirm() const
{
    return !m_confirm || m_confirm->text().trimmed() == confirmationWord();
}

JobCancelMode CancelDialog::jobMode() const
{
    if (m_forceKeep && m_forceKeep->isChecked())
        return JobCancelMode::ForceKeepMaintenance;
    if (m_forceRelease && m_forceRelease->isChecked())
        return JobCancelMode::ForceReleaseMaintenance;
    return JobCancelMode::Graceful;
}

NodeCancelMode CancelDialog::nodeMode() const
{
    if (m_target.level == Level::DropNode)
        return NodeCancelMode::Drop;
    return m_forceRelease && m_forceRelease->isChecked() ? NodeCancelMode::ForceReleaseMaintenance
                                                         : NodeCancelMode::ForceKeepMaintenance;
}

QString CancelDialog::effectText() const
{
    const QString service = m_target.service.isEmpty() ? QStringLiteral("its service") : m_target.service;
    switch (m_target.level) {
    case Level::Job:
        switch (jobMode()) {
        case JobCancelMode::Graceful:
            return QStringLiteral("No node that is still waiting will start; they end as cancelled. The %1 run(s) in "
                                  "flight finish normally: they leave maintenance, pass their checks and give back "
                                  "their slots. The job ends as cancelled when they are done.")
                .arg(m_target.runsInFlight);
        case JobCancelMode::ForceKeepMaintenance:
            return QStringLiteral("Waiting nodes are dropped and the %1 run(s) in flight are killed now. Their nodes "
                                  "STAY IN MAINTENANCE, out of service, and keep counting against %2's max_offline "
                                  "until you release them (Health page).")
                .arg(m_target.runsInFlight)
                .arg(service);
        case JobCancelMode::ForceReleaseMaintenance:
            return QStringLiteral("Waiting nodes are dropped and the %1 run(s) in flight are killed now. Their nodes "
                                  "leave maintenance and rejoin %2 in whatever state the killed run left them; their "
                                  "slots are given back.")
                .arg(m_target.runsInFlight)
                .arg(service);
        }
        break;
    case Level::DropNode:
        return QStringLiteral("%1 has not started, so nothing on it changes: it is removed from job %2 and ends as "
                              "cancelled. The rest of the job carries on.")
            .arg(m_target.node)
            .arg(m_target.jobId);
    case Level::ForceKillNode:
        if (nodeMode() == NodeCancelMode::ForceKeepMaintenance)
            return QStringLiteral("The ansible-playbook run on %1 is killed now, possibly halfway through a task. "
                                  "%1 STAYS IN MAINTENANCE and keeps its slot, so it still counts against %2's "
                                  "max_offline, until you release it (Health page). The rest of the job carries on.")
                .arg(m_target.node, service);
        return QStringLiteral("The ansible-playbook run on %1 is killed now, possibly halfway through a task. %1 then "
                              "leaves maintenance and rejoins %2 in whatever state the run left it, and its slot "
                              "goes to the next waiting node. The rest of the job carries on.")
            .arg(m_target.node, service);
    }
    return {};
}

void CancelDialog::update()
{
    m_effect->setText(effectText());
    m_ok->setEnabled(canConfirm());
}

} // namespace Baton
