using LmsCloud.Core.Audit;
using LmsCloud.Core.Database;
using LmsCloud.Core.Users;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;

namespace LmsCloud.Core.Sso;

/// <summary>What a provider's validated id_token says about the person (issuer and signature already checked).</summary>
public sealed record ExternalIdentity(string Issuer, string Subject, string? Email, bool EmailVerified, string? SisId);

/// <summary>The user to sign in, or why nobody is signed in (a sentence the person may read).</summary>
public sealed record SsoMatch(User? User, string? Refusal)
{
    public static SsoMatch Refused(string why) => new(null, why);
}

/// <summary>
/// Who a person coming back from the district's identity provider is, in this district. The rules (docs/security.md,
/// "District SSO"): an existing link (issuer + subject) decides; otherwise, the first time, the provider's SIS id claim
/// equal to exactly one user's SIS identifier, or a verified email in one of the provider's allowed domains equal to a
/// user's email (when the provider allows that). Never an unverified email, never another domain, never a new account.
/// A user the SIS dropped or disabled, or who is locked, is refused even when linked.
///
/// Another district's users are out of reach by construction: every lookup goes through this request's
/// <see cref="LmsDbContext"/>, whose connection carries this district in <c>app.tenant_id</c>, and RLS on
/// <c>users</c> and <c>sso_links</c> shows no other district's rows, whatever the query says.
///
/// Each outcome is audited in the caller's transaction: <c>sso.linked</c>, <c>sign_in.succeeded</c> or
/// <c>sign_in.failed</c>, naming the provider.
/// </summary>
public sealed class SsoMatching(LmsDbContext db, UserManager<User> users, AuditLog audit, TimeProvider clock)
{
    public async Task<SsoMatch> MatchAsync(IdentityProvider provider, ExternalIdentity person, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        var link = await db.SsoLinks.SingleOrDefaultAsync(l => l.Issuer == person.Issuer && l.Subject == person.Subject, ct);
        if (link != null)
        {
            var linked = await db.Users.Include(u => u.Roles).SingleAsync(u => u.Id == link.UserId, ct);
            if (WhyNot(linked, now) is { } refusal) return await RefuseAsync(provider, person, linked, refusal, ct);
            link.LastSignInAt = now;
            await db.SaveChangesAsync(ct);
            return await SucceedAsync(provider, linked, link.LinkedBy, ct);
        }

        var (user, linkedBy, why) = await FindFirstTimeAsync(provider, person, ct);
        if (user == null) return await RefuseAsync(provider, person, null, why!, ct);
        if (WhyNot(user, now) is { } notAllowed) return await RefuseAsync(provider, person, user, notAllowed, ct);
        if (await db.SsoLinks.AnyAsync(l => l.UserId == user.Id && l.ProviderId == provider.Id, ct))
            return await RefuseAsync(provider, person, user,
                "This account is already linked to another sign-in at this provider; a district admin must unlink it first.", ct);

        link = new SsoLink
        {
            TenantId = provider.TenantId,
            UserId = user.Id,
            ProviderId = provider.Id,
            Issuer = person.Issuer,
            Subject = person.Subject,
            LinkedBy = linkedBy!,
            CreatedAt = now,
            LastSignInAt = now,
        };
        db.SsoLinks.Add(link);
        await db.SaveChangesAsync(ct);
        await audit.WriteAsync(new AuditEntry("sso.linked", "sso_link", link.Id.ToString(), user.Id,
            After: new { providerId = provider.Id, provider = provider.DisplayName, link.Issuer, link.Subject, link.LinkedBy },
            Actor: AuditActor.User(user.Id)), ct);
        return await SucceedAsync(provider, user, linkedBy!, ct);
    }

    async Task<(User? User, string? LinkedBy, string? Refusal)> FindFirstTimeAsync(IdentityProvider provider, ExternalIdentity person,
        CancellationToken ct)
    {
        if (provider.SisIdClaim != null && !string.IsNullOrWhiteSpace(person.SisId))
        {
            var sisId = person.SisId.Trim();
            var candidates = await db.Users.Include(u => u.Roles).Where(u => u.Source == "sis" && u.Identifier == sisId).Take(2).ToListAsync(ct);
            if (candidates.Count == 1) return (candidates[0], SsoLink.BySisId, null);
            if (candidates.Count > 1)
                return (null, null, "More than one person of the district has this SIS identifier; ask the district to correct the roster.");
        }

        if (!provider.LinkByVerifiedEmail || string.IsNullOrWhiteSpace(person.Email))
            return (null, null, "No account of the district matches this sign-in.");
        if (!person.EmailVerified)
            return (null, null, "The provider has not verified this email address, so it cannot be matched to an account.");
        var domain = DomainOf(person.Email);
        if (domain == null || !provider.AllowedEmailDomains.Contains(domain))
            return (null, null, "This email address is not in a domain the district accepts for this provider.");
        var normalized = users.NormalizeEmail(person.Email.Trim());
        var user = await db.Users.Include(u => u.Roles).SingleOrDefaultAsync(u => u.NormalizedEmail == normalized, ct);
        return user == null
            ? (null, null, "No account of the district matches this sign-in.")
            : (user, SsoLink.ByVerifiedEmail, null);
    }

    /// <summary>Why this user may not sign in now, or null. A password is not needed: the provider did the authenticating.</summary>
    static string? WhyNot(User user, DateTimeOffset now) =>
        user.Status != "active" || !user.EnabledUser ? "This account has been disabled or removed by the district."
        : user.IsLocked(now) ? "This account is locked."
        : null;

    /// <summary>The lower-case domain of an address, or null when it is not one address with one @.</summary>
    public static string? DomainOf(string email)
    {
        var address = email.Trim();
        var at = address.IndexOf('@');
        return at <= 0 || at != address.LastIndexOf('@') || at == address.Length - 1 ? null : address[(at + 1)..].ToLowerInvariant();
    }

    async Task<SsoMatch> SucceedAsync(IdentityProvider provider, User user, string linkedBy, CancellationToken ct)
    {
        await audit.WriteAsync(new AuditEntry("sign_in.succeeded", "user", user.Id.ToString(), user.Id,
            After: new { method = "sso", providerId = provider.Id, provider = provider.DisplayName, linkedBy }, Actor: AuditActor.User(user.Id)), ct);
        return new SsoMatch(user, null);
    }

    async Task<SsoMatch> RefuseAsync(IdentityProvider provider, ExternalIdentity person, User? user, string why, CancellationToken ct)
    {
        await audit.WriteAsync(new AuditEntry("sign_in.failed", "user", user?.Id.ToString(), user?.Id,
            After: new { method = "sso", providerId = provider.Id, provider = provider.DisplayName, person.Issuer, person.Subject, person.Email, person.EmailVerified },
            Reason: why, Actor: AuditActor.Anonymous), ct);
        return SsoMatch.Refused(why);
    }
}
