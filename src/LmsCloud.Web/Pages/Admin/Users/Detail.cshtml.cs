using LmsCloud.Core.Database;
using LmsCloud.Core.Users;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;

namespace LmsCloud.Web.Pages.Admin.Users;

/// <summary>
/// One user: roles, lock and unlock, a one-time password reset code, SSO links. Every change goes through
/// <see cref="UserAdministration"/> (as <c>PATCH /api/users/{id}</c> and <c>POST …/password-reset</c>), so the same audit
/// events and the same refusals (no change of one's own roles or lock) apply.
/// </summary>
public sealed class DetailModel(LmsDbContext db, UserAdministration admin, TimeProvider clock) : PageModel
{
    public User? Account { get; private set; }
    public IReadOnlyList<(string Provider, string LinkedBy, DateTimeOffset CreatedAt, DateTimeOffset? LastSignInAt)> SsoLinks { get; private set; } = [];
    public bool Locked { get; private set; }
    public bool IsSelf { get; private set; }
    public string? Message { get; private set; }
    public List<string> Errors { get; } = [];
    /// <summary>Shown once, on the answer to the POST that made it (never in an address, a redirect or a log).</summary>
    public (string Token, DateTimeOffset ExpiresAt)? ResetCode { get; private set; }
    public bool Created { get; private set; }

    Guid ActingUserId => Guid.Parse(User.FindFirst("sub")!.Value);

    public async Task<IActionResult> OnGetAsync(Guid id, string? done, bool created = false)
    {
        Created = created;
        Message = done switch
        {
            "roles" => "The roles are saved.",
            "locked" => "The account is locked: the user cannot sign in, and their sessions and tokens have ended.",
            "unlocked" => "The account is unlocked.",
            _ => null,
        };
        return await LoadAsync(id) ? Page() : NotFound();
    }

    public async Task<IActionResult> OnPostRolesAsync(Guid id, List<string>? selectedRoles) =>
        await ChangeAsync(id, new UserChanges(null, selectedRoles ?? [], null), "roles");

    public async Task<IActionResult> OnPostLockAsync(Guid id, bool locked) =>
        await ChangeAsync(id, new UserChanges(null, null, locked), locked ? "locked" : "unlocked");

    public async Task<IActionResult> OnPostResetAsync(Guid id)
    {
        var outcome = await admin.CreatePasswordResetAsync(id, ActingUserId, HttpContext.RequestAborted);
        if (outcome.Value is not { } reset) return NotFound();
        ResetCode = reset;
        return await LoadAsync(id) ? Page() : NotFound();
    }

    async Task<IActionResult> ChangeAsync(Guid id, UserChanges changes, string done)
    {
        var outcome = await admin.UpdateAsync(id, changes, ActingUserId, HttpContext.RequestAborted);
        if (outcome.NotFound) return NotFound();
        if (outcome.Value != null) return Redirect($"/admin/users/{id}?done={done}"); // PRG
        // Own roles or own lock (409 in the API), or an unknown role: say so on the page, nothing changed.
        if (outcome.Conflict != null) Errors.Add(outcome.Conflict);
        if (outcome.Errors != null) Errors.AddRange(outcome.Errors.Values.SelectMany(m => m));
        Response.StatusCode = outcome.Conflict != null ? StatusCodes.Status409Conflict : StatusCodes.Status400BadRequest;
        return await LoadAsync(id) ? Page() : NotFound();
    }

    async Task<bool> LoadAsync(Guid id)
    {
        var ct = HttpContext.RequestAborted;
        Account = await db.Users.AsNoTracking().Include(u => u.Roles).SingleOrDefaultAsync(u => u.Id == id, ct);
        if (Account == null) return false;
        Locked = Account.IsLocked(clock.GetUtcNow());
        IsSelf = Account.Id == ActingUserId;
        SsoLinks = (await db.SsoLinks.AsNoTracking().Where(l => l.UserId == id)
                .Join(db.IdentityProviders, l => l.ProviderId, p => p.Id, (l, p) => new { p.DisplayName, l.LinkedBy, l.CreatedAt, l.LastSignInAt })
                .OrderBy(x => x.DisplayName).ToListAsync(ct))
            .Select(x => (x.DisplayName, x.LinkedBy, x.CreatedAt, x.LastSignInAt)).ToList();
        return true;
    }
}
