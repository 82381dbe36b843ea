using LmsCloud.Core.Audit;
using LmsCloud.Core.Database;
using LmsCloud.Core.Districts;
using LmsCloud.Core.Sso;
using LmsCloud.Core.Tenancy;
using LmsCloud.Core.Users;
using LmsCloud.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace LmsCloud.Tests.Sso;

/// <summary>
/// The matching rules of <see cref="SsoMatching"/> one by one, against the real database as the application role
/// (each call in the DI scope a request of that district gets), without the redirect flow around them.
/// </summary>
public sealed class SsoMatchingTests(ApiFactory api) : IClassFixture<ApiFactory>
{
    const string Issuer = "https://idp.example/";

    [Fact]
    public async Task A_sis_id_that_two_people_share_matches_neither()
    {
        var (district, provider) = await DistrictAsync(sisIdClaim: "employee_id", linkByEmail: false);
        await SisUserAsync(district, "E-1");
        await SisUserAsync(district, "E-1");

        var match = await MatchAsync(district, provider, new ExternalIdentity(Issuer, "s-1", null, false, "E-1"));

        Assert.Null(match.User);
        Assert.Contains("More than one", match.Refusal);
        Assert.Equal(0, await LinksAsync(district));
    }

    [Fact]
    public async Task A_local_account_with_that_identifier_is_not_an_sis_match_and_email_needs_the_provider_to_allow_it()
    {
        var (district, provider) = await DistrictAsync(sisIdClaim: "employee_id", linkByEmail: false);
        var local = await api.CreateUserAsync(district, Roles.Teacher, "t@district.test");
        await using (var db = api.Database.CreateContext(district.Id))
            await db.Users.Where(u => u.Id == local.Id).ExecuteUpdateAsync(u => u.SetProperty(x => x.Identifier, "E-2"));

        Assert.Null((await MatchAsync(district, provider, new ExternalIdentity(Issuer, "s-2", null, false, "E-2"))).User);
        Assert.Null((await MatchAsync(district, provider, new ExternalIdentity(Issuer, "s-2", "t@district.test", true, null))).User);
        Assert.Equal(0, await LinksAsync(district));
    }

    [Fact]
    public async Task Another_districts_users_and_links_are_out_of_reach()
    {
        var (a, providerA) = await DistrictAsync(sisIdClaim: "employee_id", linkByEmail: true);
        var (b, providerB) = await DistrictAsync(sisIdClaim: "employee_id", linkByEmail: true);
        var inB = await SisUserAsync(b, "E-3", "kim@district.test");
        Assert.Equal(inB.Id, (await MatchAsync(b, providerB, new ExternalIdentity(Issuer, "s-3", null, false, "E-3"))).User?.Id);

        // The same SIS id, the same verified email, the same issuer and subject: in A there is no such user and no link.
        var inA = await MatchAsync(a, providerA, new ExternalIdentity(Issuer, "s-3", "kim@district.test", true, "E-3"));

        Assert.Null(inA.User);
        Assert.Equal(0, await LinksAsync(a));
        Assert.Equal(1, await LinksAsync(b));
    }

    [Fact]
    public async Task A_locked_or_sis_disabled_user_is_refused_and_a_second_account_at_the_same_provider_does_not_link()
    {
        var (district, provider) = await DistrictAsync(sisIdClaim: "employee_id", linkByEmail: false);
        var user = await SisUserAsync(district, "E-4");
        Assert.NotNull((await MatchAsync(district, provider, new ExternalIdentity(Issuer, "s-4", null, false, "E-4"))).User);

        // Another account at the provider claiming the same SIS id: the user already has a link there.
        var second = await MatchAsync(district, provider, new ExternalIdentity(Issuer, "s-4-other", null, false, "E-4"));
        Assert.Null(second.User);
        Assert.Contains("already linked", second.Refusal);

        await using (var db = api.Database.CreateContext(district.Id))
            await db.Users.Where(u => u.Id == user.Id).ExecuteUpdateAsync(u => u.SetProperty(x => x.LockoutEnd, DateTimeOffset.UtcNow.AddHours(1)));
        Assert.Contains("locked", (await MatchAsync(district, provider, new ExternalIdentity(Issuer, "s-4", null, false, "E-4"))).Refusal);

        await using (var db = api.Database.CreateContext(district.Id))
            await db.Users.Where(u => u.Id == user.Id).ExecuteUpdateAsync(u => u
                .SetProperty(x => x.LockoutEnd, (DateTimeOffset?)null).SetProperty(x => x.EnabledUser, false));
        Assert.Contains("disabled", (await MatchAsync(district, provider, new ExternalIdentity(Issuer, "s-4", null, false, "E-4"))).Refusal);
        Assert.Equal(1, await LinksAsync(district));
    }

    [Theory]
    [InlineData("a@district.test", "district.test")]
    [InlineData(" A@District.Test ", "district.test")]
    [InlineData("a@b@district.test", null)]
    [InlineData("@district.test", null)]
    [InlineData("a@", null)]
    [InlineData("no-at-sign", null)]
    public void The_domain_of_an_email_is_its_lower_case_part_after_the_single_at(string email, string? domain) =>
        Assert.Equal(domain, SsoMatching.DomainOf(email));

    async Task<SsoMatch> MatchAsync(DistrictSummary district, IdentityProvider provider, ExternalIdentity person) =>
        await DistrictScope.RunAsync(api.Services, new District(district.Id, district.Slug, district.Name, DistrictStatus.Active), async scope =>
        {
            var db = scope.GetRequiredService<LmsDbContext>();
            await using var tx = await db.Database.BeginTransactionAsync();
            var match = await scope.GetRequiredService<SsoMatching>().MatchAsync(provider, person, CancellationToken.None);
            await tx.CommitAsync();
            return match;
        });

    async Task<(DistrictSummary, IdentityProvider)> DistrictAsync(string? sisIdClaim, bool linkByEmail)
    {
        var district = await api.Database.CreateDistrictAsync();
        var provider = new IdentityProvider
        {
            TenantId = district.Id,
            DisplayName = "IdP",
            Authority = Issuer,
            ClientId = "c",
            ClientSecretProtected = "not read here",
            AllowedEmailDomains = ["district.test"],
            SisIdClaim = sisIdClaim,
            LinkByVerifiedEmail = linkByEmail,
            CreatedAt = DateTimeOffset.UtcNow,
            UpdatedAt = DateTimeOffset.UtcNow,
        };
        await using var db = api.Database.CreateContext(district.Id);
        db.IdentityProviders.Add(provider);
        await db.SaveChangesAsync();
        return (district, provider);
    }

    async Task<User> SisUserAsync(DistrictSummary district, string identifier, string? email = null)
    {
        await using var db = api.Database.CreateContext(district.Id);
        var name = $"sis-{Guid.NewGuid():N}";
        var user = new User
        {
            TenantId = district.Id,
            UserName = name,
            NormalizedUserName = name.ToUpperInvariant(),
            Email = email,
            NormalizedEmail = email?.ToUpperInvariant(),
            DisplayName = name,
            SecurityStamp = Guid.NewGuid().ToString(),
            Source = "sis",
            Identifier = identifier,
            CreatedAt = DateTimeOffset.UtcNow,
        };
        db.Users.Add(user);
        await db.SaveChangesAsync();
        return user;
    }

    async Task<int> LinksAsync(DistrictSummary district)
    {
        await using var db = api.Database.CreateContext(district.Id);
        return await db.SsoLinks.CountAsync();
    }
}
