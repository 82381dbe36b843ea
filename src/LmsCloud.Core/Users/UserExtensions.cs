using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace LmsCloud.Core.Users;

public static class UserExtensions
{
    /// <summary>Accounts: Identity's <see cref="UserManager{TUser}"/> over our district-scoped store, and account administration.</summary>
    public static IServiceCollection AddUsers(this IServiceCollection services, IConfiguration configuration)
    {
        services.Configure<AccountOptions>(configuration.GetSection("Auth"));
        services.AddScoped<UserAdministration>();
        services.AddScoped<PasswordSignIn>();
        services.AddIdentityCore<User>()
            .AddUserStore<UserStore>();
        services.AddOptions<IdentityOptions>().Configure<IOptions<AccountOptions>>((identity, accounts) =>
        {
            identity.User.RequireUniqueEmail = false; // unique per district, enforced by the database
            identity.User.AllowedUserNameCharacters = ""; // SIS user names come in every shape
            // Length over composition rules (NIST SP 800-63B).
            identity.Password = new PasswordOptions
            {
                RequiredLength = 10, RequireDigit = false, RequireLowercase = false, RequireUppercase = false,
                RequireNonAlphanumeric = false, RequiredUniqueChars = 1,
            };
            identity.Lockout.AllowedForNewUsers = true;
            identity.Lockout.MaxFailedAccessAttempts = accounts.Value.MaxFailedAccessAttempts;
            identity.Lockout.DefaultLockoutTimeSpan = accounts.Value.LockoutDuration;
        });
        return services;
    }
}
