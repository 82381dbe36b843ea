using LmsCloud.Core.Audit;
using Microsoft.AspNetCore.Identity;

namespace LmsCloud.Core.Users;

/// <summary>
/// The password check of every sign-in: the token endpoint's password grant and the browser's sign-in form alike.
/// Unknown user, no password, an account disabled or dropped by the SIS, a locked account and a wrong password all
/// come out the same (null), after the same hashing work, so an answer never tells whether an account exists. Each
/// outcome writes its audit event in the caller's transaction.
/// </summary>
public sealed class PasswordSignIn(UserManager<User> users, AuditLog audit)
{
    /// <summary>An email is at most 254 characters; SIS user names are shorter. Longer input is refused before any lookup.</summary>
    public const int MaxUserNameLength = 256;

    /// <summary>PBKDF2 hashes whatever it is given: a megabyte "password" would cost CPU on every try.</summary>
    public const int MaxPasswordLength = 1024;

    // Unknown user and wrong password must take as long as each other: verify against a throwaway hash.
    static readonly string DummyHash = new PasswordHasher<User>().HashPassword(new User(), "not-a-real-password");

    /// <summary>Why the input cannot be a user name and password at all (nothing was looked up), or null.</summary>
    public static string? RefuseInput(string userName, string password) =>
        userName.Length > MaxUserNameLength ? $"The user name is longer than {MaxUserNameLength} characters."
        : password.Length > MaxPasswordLength ? $"The password is longer than {MaxPasswordLength} characters."
        : userName.Contains('\0') || password.Contains('\0') ? "The user name and password may not contain NUL (U+0000)."
        : null;

    /// <summary>The user when the password is right and the account may sign in; null otherwise. Needs a transaction.</summary>
    public async Task<User?> CheckAsync(string userName, string password, CancellationToken ct)
    {
        var user = await users.FindByEmailAsync(userName) ?? await users.FindByNameAsync(userName);
        if (user is not { CanSignIn: true })
        {
            users.PasswordHasher.VerifyHashedPassword(new User(), DummyHash, password);
            await audit.WriteAsync(new AuditEntry("sign_in.failed", "user", user?.Id.ToString(), user?.Id,
                After: new { userName }, Reason: user == null ? "unknown user" : user.PasswordHash == null ? "no password set" : "account disabled or removed by the SIS",
                Actor: AuditActor.Anonymous), ct);
            return null;
        }

        if (await users.IsLockedOutAsync(user))
        {
            users.PasswordHasher.VerifyHashedPassword(user, DummyHash, password);
            await audit.WriteAsync(new AuditEntry("sign_in.locked_out", "user", user.Id.ToString(), user.Id,
                After: new { userName, lockoutEnd = user.LockoutEnd }, Actor: AuditActor.Anonymous), ct);
            return null;
        }

        if (!await users.CheckPasswordAsync(user, password))
        {
            await users.AccessFailedAsync(user);
            await audit.WriteAsync(new AuditEntry("sign_in.failed", "user", user.Id.ToString(), user.Id,
                After: new { userName, failedAttempts = user.AccessFailedCount }, Reason: "wrong password", Actor: AuditActor.Anonymous), ct);
            if (await users.IsLockedOutAsync(user))
                await audit.WriteAsync(new AuditEntry("sign_in.locked_out", "user", user.Id.ToString(), user.Id,
                    After: new { userName, lockoutEnd = user.LockoutEnd }, Reason: "too many failed sign-ins", Actor: AuditActor.Anonymous), ct);
            return null;
        }

        await users.ResetAccessFailedCountAsync(user);
        await audit.WriteAsync(new AuditEntry("sign_in.succeeded", "user", user.Id.ToString(), user.Id, Actor: AuditActor.User(user.Id)), ct);
        return user;
    }
}
