#pragma once

#include "core/base/result.h"

#include <functional>
#include <memory>
#include <optional>

#include <QByteArray>
#include <QMap>
#include <QObject>
#include <QString>

namespace Baton {

// Where a secret lives. Implementations are asynchronous (the system keychain answers over D-Bus).
class SecretBackend
{
public:
    using ReadDone = std::function<void(Result<std::optional<QByteArray>>)>; // nullopt: no such entry
    using WriteDone = std::function<void(Result<void>)>;

    virtual ~SecretBackend() = default;
    virtual void read(const QString &key, ReadDone done) = 0;
    virtual void write(const QString &key, const QByteArray &secret, WriteDone done) = 0;
    virtual void remove(const QString &key, WriteDone done) = 0;
    virtual QString describe() const = 0; // "the system keychain", "the file …/tokens.json (mode 0600)"
};

// The system keychain through QtKeychain (Secret Service: gnome-keyring, KWallet, KeePassXC on Linux).
class KeychainBackend : public SecretBackend
{
public:
    explicit KeychainBackend(QString service = QStringLiteral("baton-console"));
    void read(const QString &key, ReadDone done) override;
    void write(const QString &key, const QByteArray &secret, WriteDone done) override;
    void remove(const QString &key, WriteDone done) override;
    QString describe() const override;

private:
    QString m_service;
};

// The documented fallback where no keychain runs (a wall display's kiosk session, a container): one JSON file,
// created 0600 in a 0700 directory, written atomically, and refused when anybody but the owner can read it (the
// rule ssh applies to private keys). Synchronous underneath; callbacks run before the call returns.
class FileSecretBackend : public SecretBackend
{
public:
    explicit FileSecretBackend(QString path);
    static QString defaultPath(); // $XDG_CONFIG_HOME/baton/tokens.json

    void read(const QString &key, ReadDone done) override;
    void write(const QString &key, const QByteArray &secret, WriteDone done) override;
    void remove(const QString &key, WriteDone done) override;
    QString describe() const override;
    const QString &path() const { return m_path; }

private:
    Result<QMap<QString, QByteArray>> load() const;
    Result<void> save(const QMap<QString, QByteArray> &entries) const;

    QString m_path;
};

// The console's tokens per profile: the keychain first, the file when the keychain is not there. The choice is
// made once per run (the first keychain error other than "no such entry" switches to the file and says so) or
// forced with BATON_TOKEN_STORE=keychain|file. Tokens never reach a log.
class TokenStore : public QObject
{
    Q_OBJECT

public:
    enum class Kind
    {
        JobService,
        Consul
    };
    enum class Mode
    {
        Auto,
        KeychainOnly,
        FileOnly
    };

    TokenStore(std::unique_ptr<SecretBackend> primary, std::unique_ptr<SecretBackend> fallback, Mode mode,
        QObject *parent = nullptr);
    // The store the console uses: QtKeychain plus the default file, mode from BATON_TOKEN_STORE.
    static TokenStore *createDefault(QObject *parent = nullptr);
    static std::optional<Mode> modeFromName(QStringView name);

    void read(const QString &profile, Kind kind, QObject *context, std::function<void(Result<QByteArray>)> done);
    void write(const QString &profile, Kind kind, const QByteArray &token, QObject *context,
        std::function<void(Result<void>)> done);

    // Where tokens are kept now, for the profile dialog and the docs.
    QString describe() const;
    bool usingFallback() const { return m_useFallback; }

Q_SIGNALS:
    void fellBack(const QString &reason);

private:
    static QString key(const QString &profile, Kind kind);
    SecretBackend *active() const;
    void switchToFallback(const QString &reason);

    std::unique_ptr<SecretBackend> m_primary;
    std::unique_ptr<SecretBackend> m_fallback;
    Mode m_mode;
    bool m_useFallback = false;
};

} // namespace Baton
