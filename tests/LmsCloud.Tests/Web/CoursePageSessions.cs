using LmsCloud.Core.Districts;
using LmsCloud.Core.Learning.Shells;
using LmsCloud.Core.Tenancy;
using LmsCloud.Core.Users;
using LmsCloud.Tests.Infrastructure;
using LmsCloud.Tests.Learning;
using LmsCloud.Tests.Rostering;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace LmsCloud.Tests.Web;

/// <summary>
/// What the course page tests share: an imported person signed in to a browser page (given a password the way a person
/// gets one: a district admin's one-time reset code), Core writes as a teacher of a shell, a forged POST with the page's
/// own antiforgery token, and the no-sideways-scroll check.
/// </summary>
public static class CoursePageSessions
{
    public static async Task<TestUser> PersonAsync(BrowserFixture web, DistrictSummary district, string sourcedId)
    {
        var id = await RosterSamples.InternalIdAsync(web.Api.Database, district.Id, "users", sourcedId);
        var email = await DistrictScope.RunAsync(web.Api.Services, new District(district.Id, district.Slug, district.Name, DistrictStatus.Active),
            async scope =>
            {
                var users = scope.GetRequiredService<UserAdministration>();
                var reset = await users.CreatePasswordResetAsync(id, null);
                var outcome = await users.ResetPasswordAsync(reset.Value!.Value.Token, ApiFactory.Password);
                Assert.Null(outcome.Errors);
                return outcome.Value!.Email!;
            });
        return new TestUser(id, email, district.Slug);
    }

    public static async Task<IPage> SignedInAsync(this BrowserFixture web, DistrictSummary district, string sourcedId, int width = 1024)
    {
        var page = await web.NewPageAsync(width);
        await web.SignInAsync(page, await PersonAsync(web, district, sourcedId));
        return page;
    }

    /// <summary>Course content made through the Core services as a teacher of the shell (the Kestrel factory's HttpClient cannot reach *.localhost).</summary>
    public static async Task<T> AsTeacherAsync<T>(this BrowserFixture web, ShellTestDistrict d, string sourcedId, Func<ShellEditing, ShellViewer, Task<T>> work)
    {
        var viewer = new ShellViewer(await d.IdAsync("users", sourcedId), new HashSet<string> { Roles.Teacher });
        var district = new District(d.District.Id, d.District.Slug, d.District.Name, DistrictStatus.Active);
        return await DistrictScope.RunAsync(web.Api.Services, district, scope => work(scope.GetRequiredService<ShellEditing>(), viewer));
    }

    /// <summary>A POST as a forged form would send it: the page's own antiforgery token, any fields; the status.</summary>
    public static Task<int> PostWithTokenAsync(IPage page, string url, string form) => page.EvaluateAsync<int>("""
        async ([url, form]) => {
            const headers = JSON.parse(document.body.getAttribute('hx-headers'));
            headers['Content-Type'] = 'application/x-www-form-urlencoded';
            const r = await fetch(url, { method: 'POST', headers, body: form});
            return r.status;
        }
        """, new[] { url, form });

    public static async Task AssertFitsAsync(IPage page, int width = 360) =>
        Assert.True(await page.EvaluateAsync<bool>($"document.documentElement.scrollWidth <= {width}"), $"{page.Url} scrolls sideways at {width} px");
}
