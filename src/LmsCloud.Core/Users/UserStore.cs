using LmsCloud.Core.Database;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;

namespace LmsCloud.Core.Users;

/// <summary>
/// ASP.NET Core Identity's store over our <c>users</c> table. Every lookup goes through the district's
/// <see cref="LmsDbContext"/>, so sign-in can only ever find users of the district the host names.
/// </summary>
public sealed class UserStore(LmsDbContext db) :
    IUserPasswordStore<User>, IUserSecurityStampStore<User>, IUserEmailStore<User>, IUserLockoutStore<User>
{
    public async Task<IdentityResult> CreateAsync(User user, CancellationToken ct)
    {
        user.TenantId = db.TenantId ?? throw new InvalidOperationException("No district: cannot create a user.");
        db.Users.Add(user);
        return await SaveAsync(ct);
    }

    public Task<IdentityResult> UpdateAsync(User user, CancellationToken ct)
    {
        user.ConcurrencyStamp = Guid.NewGuid().ToString();
        return SaveAsync(ct);
    }

    public Task<IdentityResult> DeleteAsync(User user, CancellationToken ct)
    {
        db.Users.Remove(user);
        return SaveAsync(ct);
    }

    async Task<IdentityResult> SaveAsync(CancellationToken ct)
    {
        try
        {
            await db.SaveChangesAsync(ct);
            return IdentityResult.Success;
        }
        catch (DbUpdateConcurrencyException)
        {
            return IdentityResult.Failed(new IdentityErrorDescriber().ConcurrencyFailure());
        }
        catch (DbUpdateException e) when (e.InnerException is Npgsql.PostgresException { SqlState: Npgsql.PostgresErrorCodes.UniqueViolation })
        {
            return IdentityResult.Failed(new IdentityError { Code = "DuplicateUser", Description = "A user with this email or user name already exists." });
        }
    }

    public Task<User?> FindByIdAsync(string userId, CancellationToken ct) =>
        Guid.TryParse(userId, out var id) ? db.Users.SingleOrDefaultAsync(u => u.Id == id, ct) : Task.FromResult<User?>(null);

    public Task<User?> FindByNameAsync(string normalizedUserName, CancellationToken ct) =>
        db.Users.SingleOrDefaultAsync(u => u.NormalizedUserName == normalizedUserName, ct);

    public Task<User?> FindByEmailAsync(string normalizedEmail, CancellationToken ct) =>
        db.Users.SingleOrDefaultAsync(u => u.NormalizedEmail == normalizedEmail, ct);

    public Task<string> GetUserIdAsync(User user, CancellationToken ct) => Task.FromResult(user.Id.ToString());
    public Task<string?> GetUserNameAsync(User user, CancellationToken ct) => Task.FromResult<string?>(user.UserName);
    public Task SetUserNameAsync(User user, string? userName, CancellationToken ct) => Set(() => user.UserName = userName ?? "");
    public Task<string?> GetNormalizedUserNameAsync(User user, CancellationToken ct) => Task.FromResult<string?>(user.NormalizedUserName);
    public Task SetNormalizedUserNameAsync(User user, string? name, CancellationToken ct) => Set(() => user.NormalizedUserName = name ?? "");

    public Task SetPasswordHashAsync(User user, string? passwordHash, CancellationToken ct) => Set(() => user.PasswordHash = passwordHash);
    public Task<string?> GetPasswordHashAsync(User user, CancellationToken ct) => Task.FromResult(user.PasswordHash);
    public Task<bool> HasPasswordAsync(User user, CancellationToken ct) => Task.FromResult(user.PasswordHash != null);

    public Task SetSecurityStampAsync(User user, string stamp, CancellationToken ct) => Set(() => user.SecurityStamp = stamp);
    public Task<string?> GetSecurityStampAsync(User user, CancellationToken ct) => Task.FromResult<string?>(user.SecurityStamp);

    public Task SetEmailAsync(User user, string? email, CancellationToken ct) => Set(() => user.Email = email);
    public Task<string?> GetEmailAsync(User user, CancellationToken ct) => Task.FromResult(user.Email);
    public Task<bool> GetEmailConfirmedAsync(User user, CancellationToken ct) => Task.FromResult(user.EmailConfirmed);
    public Task SetEmailConfirmedAsync(User user, bool confirmed, CancellationToken ct) => Set(() => user.EmailConfirmed = confirmed);
    public Task<string?> GetNormalizedEmailAsync(User user, CancellationToken ct) => Task.FromResult(user.NormalizedEmail);
    public Task SetNormalizedEmailAsync(User user, string? email, CancellationToken ct) => Set(() => user.NormalizedEmail = email);

    public Task<DateTimeOffset?> GetLockoutEndDateAsync(User user, CancellationToken ct) => Task.FromResult(user.LockoutEnd);
    public Task SetLockoutEndDateAsync(User user, DateTimeOffset? end, CancellationToken ct) => Set(() => user.LockoutEnd = end);
    public Task<int> IncrementAccessFailedCountAsync(User user, CancellationToken ct) => Task.FromResult(++user.AccessFailedCount);
    public Task ResetAccessFailedCountAsync(User user, CancellationToken ct) => Set(() => user.AccessFailedCount = 0);
    public Task<int> GetAccessFailedCountAsync(User user, CancellationToken ct) => Task.FromResult(user.AccessFailedCount);
    public Task<bool> GetLockoutEnabledAsync(User user, CancellationToken ct) => Task.FromResult(user.LockoutEnabled);
    public Task SetLockoutEnabledAsync(User user, bool enabled, CancellationToken ct) => Set(() => user.LockoutEnabled = enabled);

    static Task Set(Action assign)
    {
        assign();
        return Task.CompletedTask;
    }

    public void Dispose() { }
}
