using System.Net.Mail;
using LmsCloud.Core.Audit;
using LmsCloud.Core.Auth;
using LmsCloud.Core.Database;
using LmsCloud.Core.Districts;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace LmsCloud.Core.Users;

public sealed record NewUser(string? Email, string? DisplayName, IReadOnlyList<string>? Roles, string? Password);

public sealed record UserChanges(string? DisplayName, IReadOnlyList<string>? Roles, bool? Locked);

/// <summary>Filters of the user list: text in the name, email or user name; a role; locked or not. Null means any.</summary>
public sealed record UserSearch(string? Text = null, string? Role = null, bool? Locked = null);

/// <summary>What an administrative change came to: the value, field errors (400), a conflict (409) or not found (404).</summary>
public sealed record AdminOutcome<T>(T? Value, Dictionary<string, string[]>? Errors = null, string? Conflict = null)
{
    public bool NotFound => Value == null && Errors == null && Conflict == null;
    public static AdminOutcome<T> Missing => new(default(T));
    public static AdminOutcome<T> Invalid(string field, params string[] messages) => new(default, new() { [field] = messages });
}

/// <summary>
/// Creating and changing accounts of the current district, each change in one transaction with its audit events.
/// Used by the API's admin endpoints and the operators' CLI.
/// </summary>
public sealed class UserAdministration(
    LmsDbContext db, UserManager<User> users, AuditLog audit, TimeProvider clock, IOptions<AccountOptions> options)
{
    public async Task<AdminOutcome<User>> CreateAsync(NewUser request, AuditActor? actor = null, CancellationToken ct = default)
    {
        var errors = new Dictionary<string, string[]>();
        var email = request.Email?.Trim();
        if (email == null || email.Length > 254 || TextRules.HasControlCharacters(email) ||
            !MailAddress.TryCreate(email, out var parsed) || parsed.Address != email)
            errors["email"] = ["A valid email address is required."];
        if (DistrictRules.CheckName(request.DisplayName) is { } nameError) errors["displayName"] = [nameError];
        var roles = CanonicalRoles(request.Roles, errors);
        if (roles is null or { Count: 0 } && !errors.ContainsKey("roles")) errors["roles"] = ["At least one role is required."];
        if (errors.Count > 0) return new AdminOutcome<User>(null, errors);

        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var user = new User { UserName = email!, Email = email, DisplayName = request.DisplayName!.Trim(), CreatedAt = clock.GetUtcNow() };
        var created = request.Password == null ? await users.CreateAsync(user) : await users.CreateAsync(user, request.Password);
        if (!created.Succeeded)
        {
            if (created.Errors.Any(e => e.Code is "DuplicateUserName" or "DuplicateEmail" or "DuplicateUser"))
                return new AdminOutcome<User>(null, Conflict: $"A user with the email '{email}' already exists in this district.");
            return AdminOutcome<User>.Invalid("password", created.Errors.Select(e => e.Description).ToArray());
        }
        var now = clock.GetUtcNow();
        db.UserRoles.AddRange(roles!.Select(r => new UserRole { TenantId = user.TenantId, UserId = user.Id, Role = r, GrantedAt = now }));
        await db.SaveChangesAsync(ct);

        await audit.WriteAsync(new AuditEntry("user.created", "user", user.Id.ToString(), user.Id,
            After: new { user.Email, user.DisplayName }, Actor: actor), ct);
        foreach (var role in roles!)
            await audit.WriteAsync(new AuditEntry("role.granted", "user", user.Id.ToString(), user.Id, After: new { role }, Actor: actor), ct);
        if (request.Password != null)
            await audit.WriteAsync(new AuditEntry("password.set", "user", user.Id.ToString(), user.Id, Actor: actor), ct);
        await tx.CommitAsync(ct);
        return new AdminOutcome<User>(user);
    }

    public async Task<AdminOutcome<User>> UpdateAsync(Guid id, UserChanges changes, Guid? actingUserId, CancellationToken ct = default)
    {
        var errors = new Dictionary<string, string[]>();
        if (changes.DisplayName != null && DistrictRules.CheckName(changes.DisplayName) is { } nameError) errors["displayName"] = [nameError];
        var roles = CanonicalRoles(changes.Roles, errors);
        if (errors.Count > 0) return new AdminOutcome<User>(null, errors);

        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var user = await db.Users.Include(u => u.Roles).SingleOrDefaultAsync(u => u.Id == id, ct);
        if (user == null) return AdminOutcome<User>.Missing;
        var self = user.Id == actingUserId;
        var subject = user.Id.ToString();

        if (changes.DisplayName != null && changes.DisplayName.Trim() != user.DisplayName)
        {
            var before = user.DisplayName;
            user.DisplayName = changes.DisplayName.Trim();
            if (user.Source == "sis" && !user.LocallyEdited.Contains("display_name"))
                user.LocallyEdited = [.. user.LocallyEdited, "display_name"]; // the import policy decides whether the SIS may change it back
            await db.SaveChangesAsync(ct);
            await audit.WriteAsync(new AuditEntry("user.updated", "user", subject, user.Id,
                Before: new { displayName = before }, After: new { displayName = user.DisplayName }), ct);
        }

        if (roles != null)
        {
            var current = user.Roles.Select(r => r.Role).ToHashSet();
            // Nobody changes their own roles: a demoted admin whose token still says DistrictAdmin must not grant it back.
            if (self && !current.SetEquals(roles))
                return new AdminOutcome<User>(null, Conflict: "You cannot change your own roles; ask another district admin.");
            var now = clock.GetUtcNow();
            foreach (var granted in roles.Except(current))
            {
                user.Roles.Add(new UserRole { TenantId = user.TenantId, UserId = user.Id, Role = granted, GrantedAt = now });
                await audit.WriteAsync(new AuditEntry("role.granted", "user", subject, user.Id, After: new { role = granted }), ct);
            }
            foreach (var revoked in current.Except(roles))
            {
                user.Roles.RemoveAll(r => r.Role == revoked);
                await audit.WriteAsync(new AuditEntry("role.revoked", "user", subject, user.Id, Before: new { role = revoked }), ct);
            }
            if (!current.SetEquals(roles))
            {
                await users.UpdateSecurityStampAsync(user);
                await SignIns.RevokeSubjectAsync(db, user.Id, ct); // tokens carrying the old roles stop on the next request
            }
        }

        // Nor their own lock: a locked admin must not unlock themselves with the token still in hand.
        if (self && changes.Locked is { } locked && locked != user.IsLocked(clock.GetUtcNow()))
            return new AdminOutcome<User>(null, Conflict: locked ? "You cannot lock your own account." : "You cannot unlock your own account; ask another district admin.");
        if (changes.Locked == true && !user.IsLocked(clock.GetUtcNow()))
        {
            await users.SetLockoutEndDateAsync(user, DateTimeOffset.MaxValue);
            await users.UpdateSecurityStampAsync(user);
            await SignIns.RevokeSubjectAsync(db, user.Id, ct);
            await audit.WriteAsync(new AuditEntry("user.locked", "user", subject, user.Id), ct);
        }
        else if (changes.Locked == false && user.LockoutEnd != null)
        {
            await users.SetLockoutEndDateAsync(user, null);
            await users.ResetAccessFailedCountAsync(user);
            await audit.WriteAsync(new AuditEntry("user.unlocked", "user", subject, user.Id), ct);
        }

        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        return new AdminOutcome<User>(user);
    }

    /// <summary>A one-time token the user can set a new password with; earlier unused tokens stop working.</summary>
    public async Task<AdminOutcome<(string Token, DateTimeOffset ExpiresAt)?>> CreatePasswordResetAsync(Guid id, Guid? actingUserId,
        CancellationToken ct = default)
    {
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        if (!await db.Users.AnyAsync(u => u.Id == id, ct)) return AdminOutcome<(string, DateTimeOffset)?>.Missing;
        var now = clock.GetUtcNow();
        await db.PasswordResetTokens.Where(t => t.UserId == id && t.UsedAt == null)
            .ExecuteUpdateAsync(s => s.SetProperty(t => t.UsedAt, now), ct);
        var token = OpaqueToken.New();
        var expiresAt = now + options.Value.PasswordResetLifetime;
        db.PasswordResetTokens.Add(new PasswordResetToken
        {
            TenantId = db.TenantId!.Value, UserId = id, TokenHash = OpaqueToken.Hash(token), CreatedAt = now,
            CreatedBy = actingUserId, ExpiresAt = expiresAt,
        });
        await db.SaveChangesAsync(ct);
        await audit.WriteAsync(new AuditEntry("password.reset_requested", "user", id.ToString(), id, After: new { expiresAt }), ct);
        await tx.CommitAsync(ct);
        return new AdminOutcome<(string, DateTimeOffset)?>((token, expiresAt));
    }

    /// <summary>Sets a new password with a reset token; the token is spent and every sign-in of the user ends.</summary>
    public async Task<AdminOutcome<User>> ResetPasswordAsync(string token, string newPassword, CancellationToken ct = default)
    {
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var hash = OpaqueToken.Hash(token);
        var reset = await db.PasswordResetTokens.FromSql($"select * from password_reset_tokens where token_hash = {hash} for update")
            .SingleOrDefaultAsync(ct);
        var user = reset == null ? null : await db.Users.SingleOrDefaultAsync(u => u.Id == reset.UserId, ct);
        if (reset == null || reset.UsedAt != null || reset.ExpiresAt <= clock.GetUtcNow() || user == null)
            return AdminOutcome<User>.Invalid("token", "The reset token is invalid, used or expired. Ask your district admin for a new one.");

        if (user.PasswordHash != null) await users.RemovePasswordAsync(user);
        var set = await users.AddPasswordAsync(user, newPassword); // validates, and changes the security stamp
        if (!set.Succeeded) return AdminOutcome<User>.Invalid("newPassword", set.Errors.Select(e => e.Description).ToArray());
        await users.ResetAccessFailedCountAsync(user);
        await SignIns.RevokeSubjectAsync(db, user.Id, ct); // whoever knew the old password is signed out
        reset.UsedAt = clock.GetUtcNow();
        await db.SaveChangesAsync(ct);
        await audit.WriteAsync(new AuditEntry("password.reset", "user", user.Id.ToString(), user.Id, Actor: AuditActor.User(user.Id)), ct);
        await tx.CommitAsync(ct);
        return new AdminOutcome<User>(user);
    }

    /// <summary>
    /// The district's users matching <paramref name="search"/>, by display name (then id, so pages are stable), with their
    /// roles; the caller pages it. The API's <c>GET /api/users</c> and the <c>/admin/users</c> page.
    /// </summary>
    public IQueryable<User> Search(UserSearch search)
    {
        var query = db.Users.AsNoTracking().Include(u => u.Roles).AsQueryable();
        if (Roles.Canonical(search.Role) is { } role) query = query.Where(u => u.Roles.Any(x => x.Role == role));
        if (!string.IsNullOrWhiteSpace(search.Text))
        {
            var pattern = $"%{search.Text.Trim().Replace("\\", "\\\\").Replace("%", "\\%").Replace("_", "\\_")}%";
            query = query.Where(u => EF.Functions.ILike(u.DisplayName, pattern) || EF.Functions.ILike(u.Email!, pattern) ||
                                     EF.Functions.ILike(u.UserName, pattern));
        }
        var now = clock.GetUtcNow();
        if (search.Locked == true) query = query.Where(u => u.LockoutEnd != null && u.LockoutEnd > now);
        if (search.Locked == false) query = query.Where(u => u.LockoutEnd == null || u.LockoutEnd <= now);
        return query.OrderBy(u => u.DisplayName).ThenBy(u => u.Id);
    }

    /// <summary>
    /// The signed-in user's own password change: the current password, then the new one by Identity's rules (as the
    /// reset). A wrong current password counts as a failed sign-in (lockout), so a borrowed session cannot guess it.
    /// On success the security stamp changes and every token of the user is revoked: every session ends, this one too.
    /// </summary>
    public async Task<AdminOutcome<User>> ChangePasswordAsync(Guid userId, string? currentPassword, string? newPassword, CancellationToken ct = default)
    {
        if (string.IsNullOrEmpty(currentPassword)) return AdminOutcome<User>.Invalid("currentPassword", "Enter your current password.");
        if (string.IsNullOrEmpty(newPassword)) return AdminOutcome<User>.Invalid("newPassword", "Enter a new password.");
        if ((PasswordSignIn.RefuseInput("", currentPassword) ?? PasswordSignIn.RefuseInput("", newPassword)) is { } refused)
            return AdminOutcome<User>.Invalid("newPassword", refused);

        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var user = await db.Users.SingleOrDefaultAsync(u => u.Id == userId, ct);
        if (user == null) return AdminOutcome<User>.Missing;
        if (user.PasswordHash == null || !await users.CheckPasswordAsync(user, currentPassword))
        {
            await users.AccessFailedAsync(user);
            await audit.WriteAsync(new AuditEntry("password.change_failed", "user", user.Id.ToString(), user.Id,
                Reason: "wrong current password", Actor: AuditActor.User(user.Id)), ct);
            await tx.CommitAsync(ct);
            return AdminOutcome<User>.Invalid("currentPassword", "Your current password is not right.");
        }
        var changed = await users.ChangePasswordAsync(user, currentPassword, newPassword); // validates, and changes the security stamp
        if (!changed.Succeeded) return AdminOutcome<User>.Invalid("newPassword", changed.Errors.Select(e => e.Description).ToArray());
        await users.ResetAccessFailedCountAsync(user);
        await SignIns.RevokeSubjectAsync(db, user.Id, ct); // tokens issued with the old password end too
        await audit.WriteAsync(new AuditEntry("password.changed", "user", user.Id.ToString(), user.Id, Actor: AuditActor.User(user.Id)), ct);
        await tx.CommitAsync(ct);
        return new AdminOutcome<User>(user);
    }

    /// <summary>Whether the district has any account created here (imported people do not count).</summary>
    public Task<bool> AnyLocalUsersAsync(CancellationToken ct = default) => db.Users.AnyAsync(u => u.Source == "local", ct);

    /// <summary>Known role names in canonical case; unknown ones are errors. Null when no roles were given.</summary>
    static List<string>? CanonicalRoles(IReadOnlyList<string>? names, Dictionary<string, string[]> errors)
    {
        if (names == null) return null;
        var unknown = names.Where(n => Roles.Canonical(n) == null).ToList();
        if (unknown.Count > 0)
            errors["roles"] = [$"Unknown role(s): {string.Join(", ", unknown)}. Roles: {string.Join(", ", Roles.All)}."];
        return names.Select(Roles.Canonical).OfType<string>().Distinct().ToList();
    }
}
