using LmsCloud.Core.Database;
using LmsCloud.Core.Tenancy;
using LmsCloud.Core.Users;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace LmsCloud.Cli;

/// <summary><c>lms users ...</c>: accounts of one district, created with the same rules and audit events as the API.</summary>
public static class UserCommands
{
    public static async Task<int> CreateAsync(CliContext context, CommandLine command)
    {
        var slug = command.Required("tenant");
        var email = command.Required("email");
        var role = command.Required("role");
        var name = command.Optional("name") ?? email;
        var password = command.Optional("password");
        command.NoMore(2);
        var district = await context.DistrictAsync(slug);
        var outcome = await DistrictScope.RunAsync(await context.ServicesAsync(), district, scope =>
            scope.GetRequiredService<UserAdministration>().CreateAsync(new NewUser(email, name, [role], password), CliContext.Actor));
        if (outcome.Value is not { } user)
        {
            var reason = outcome.Conflict ?? string.Join(" ", outcome.Errors!.Select(e => $"{e.Key}: {string.Join(" ", e.Value)}"));
            throw new InvalidOperationException(reason);
        }
        context.Out.WriteLine($"created user {user.Email} ({user.Id}) in {slug} as {Roles.Canonical(role)}");
        return 0;
    }

    public static async Task<int> ListAsync(CliContext context, CommandLine command)
    {
        var slug = command.Required("tenant");
        command.NoMore(2);
        var district = await context.DistrictAsync(slug);
        var users = await DistrictScope.RunAsync(await context.ServicesAsync(), district, scope =>
            scope.GetRequiredService<LmsDbContext>().Users.AsNoTracking().Include(u => u.Roles).OrderBy(u => u.UserName).ToListAsync());
        context.Out.WriteLine($"{"USER NAME",-36} {"ROLES",-28} {"STATE",-8} NAME");
        foreach (var u in users)
            context.Out.WriteLine($"{u.UserName,-36} {string.Join(",", u.Roles.Select(r => r.Role).Order()),-28} " +
                                  $"{(u.IsLocked(DateTimeOffset.UtcNow) ? "locked" : "active"),-8} {u.DisplayName}");
        return 0;
    }
}
