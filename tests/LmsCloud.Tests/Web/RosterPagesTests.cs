using LmsCloud.Core.Districts;
using LmsCloud.Core.Tenancy;
using LmsCloud.Core.Users;
using LmsCloud.Tests.Infrastructure;
using LmsCloud.Tests.Rostering;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace LmsCloud.Tests.Web;

/// <summary>
/// The roster pages in Chromium, over an imported northwind-1.1-bulk: a student's and a teacher's "My classes", a
/// class roster, a guardian's "My children"; other roles get the 403 page; axe on every page.
/// </summary>
[Collection(BrowserCollection.Name)]
[Trait("Category", "Browser")]
public sealed class RosterPagesTests(BrowserFixture web)
{
    /// <summary>A district with the sample roster imported.</summary>
    async Task<DistrictSummary> ImportedDistrictAsync()
    {
        var district = await web.CreateDistrictAsync("Northwind Unified School District");
        await RosterSamples.ImportDirectlyAsync(web.Api.Database, district.Id, "northwind-1.1-bulk");
        return district;
    }

    /// <summary>An imported person, given a password the way a person gets one: a district admin's one-time reset code.</summary>
    async Task<TestUser> ImportedPersonAsync(DistrictSummary district, string sourcedId)
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

    static ILocator Cells(ILocator table, int row) => table.Locator("tbody tr").Nth(row).Locator("th, td");

    [Fact]
    public async Task A_student_sees_their_classes_with_teachers_and_terms()
    {
        var district = await ImportedDistrictAsync();
        var ethan = await ImportedPersonAsync(district, "nw-s-001");
        var page = await web.NewPageAsync(width: 360);
        await web.SignInAsync(page, ethan);

        await page.GetByRole(AriaRole.Link, new() { Name = "My classes: their teachers and terms" }).ClickAsync();
        await Expect(page).ToHaveURLAsync(web.Url(district.Slug, "/classes"));
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "My classes", Level = 1 })).ToBeVisibleAsync();
        var table = page.GetByRole(AriaRole.Table, new() { Name = "Your classes (3)" });
        await Expect(table.Locator("tbody tr")).ToHaveCountAsync(3);
        await Expect(Cells(table, 0)).ToHaveTextAsync(["Algebra I - P1 MATH-101-01", "student", "Maria Gonzalez", "Fall 2026, Spring 2027"]);
        await Expect(Cells(table, 1)).ToHaveTextAsync(["Biology - P2 SCI-110-02", "student", "David Chen", "Fall 2026"]);
        await Expect(Cells(table, 2)).ToHaveTextAsync(["English I - P4 ENG-101-04", "student", "David Chen, Maria Gonzalez", "Fall 2026, Spring 2027"]);
        await Expect(table.GetByRole(AriaRole.Link)).ToHaveCountAsync(0); // a class roster is for its teachers
        await Expect(page.GetByRole(AriaRole.Link, new() { Name = "My classes", Exact = true })).ToHaveAttributeAsync("aria-current", "page");
        Assert.True(await page.EvaluateAsync<bool>("document.documentElement.scrollWidth <= 360"), "My classes scrolls sideways at 360 px");
        await BrowserFixture.AssertAccessibleAsync(page);
        await BrowserFixture.ScreenshotAsync(page, "classes-student");

        // Not a teacher of it, not a guardian: the 403 page for a class roster and for My children.
        var alg1 = await RosterSamples.InternalIdAsync(web.Api.Database, district.Id, "classes", "nw-cls-alg1-p1");
        foreach (var path in new[] { $"/classes/{alg1}", "/children" })
        {
            var response = await page.GotoAsync(web.Url(district.Slug, path));
            Assert.Equal(403, response!.Status);
            await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "You cannot open this page" })).ToBeVisibleAsync();
        }
    }

    [Fact]
    public async Task A_teacher_sees_their_classes_and_opens_the_roster_of_one_they_teach_only()
    {
        var district = await ImportedDistrictAsync();
        var maria = await ImportedPersonAsync(district, "nw-t-001");
        var page = await web.NewPageAsync();
        await web.SignInAsync(page, maria);

        await page.GetByRole(AriaRole.Link, new() { Name = "My classes", Exact = true }).ClickAsync();
        var table = page.GetByRole(AriaRole.Table, new() { Name = "Your classes (3)" });
        await Expect(Cells(table, 0)).ToHaveTextAsync(["Algebra I - P1 MATH-101-01", "teacher", "Maria Gonzalez", "Fall 2026, Spring 2027"]);
        await Expect(Cells(table, 1)).ToHaveTextAsync(["Algebra I - P3 MATH-101-03", "teacher", "Maria Gonzalez", "Fall 2026, Spring 2027"]);
        await Expect(Cells(table, 2)).ToHaveTextAsync(["English I - P4 ENG-101-04", "teacher", "David Chen, Maria Gonzalez", "Fall 2026, Spring 2027"]);
        await BrowserFixture.AssertAccessibleAsync(page);
        await BrowserFixture.ScreenshotAsync(page, "classes-teacher");

        await table.GetByRole(AriaRole.Link, new() { Name = "Algebra I - P1" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Algebra I - P1", Level = 1 })).ToBeVisibleAsync();
        await Expect(page.Locator(".facts")).ToContainTextAsync("MATH-101-01");
        await Expect(page.Locator(".facts")).ToContainTextAsync("Room 204");
        var students = page.GetByRole(AriaRole.Table, new() { Name = "Students (4)" });
        await Expect(students.Locator("tbody th")).ToHaveTextAsync(["Noah Kim", "Isabella Nguyen", "Ava Patel", "Ethan Walker"]);
        await BrowserFixture.AssertAccessibleAsync(page);
        await BrowserFixture.ScreenshotAsync(page, "class-roster");

        // Biology is David Chen's class: its roster is not hers.
        var bio = await RosterSamples.InternalIdAsync(web.Api.Database, district.Id, "classes", "nw-cls-bio-p2");
        var response = await page.GotoAsync(web.Url(district.Slug, $"/classes/{bio}"));
        Assert.Equal(403, response!.Status);
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "You cannot open this page" })).ToBeVisibleAsync();
    }

    [Fact]
    public async Task A_guardian_sees_each_child_with_their_classes_and_teachers()
    {
        var district = await ImportedDistrictAsync();
        var karen = await ImportedPersonAsync(district, "nw-g-001"); // Ethan's and Lily's guardian
        var page = await web.NewPageAsync();
        await web.SignInAsync(page, karen);

        await page.GetByRole(AriaRole.Link, new() { Name = "My children: their classes and teachers" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Level = 2 })).ToHaveTextAsync(["Ethan Walker", "Lily Walker"]);
        var ethan = page.GetByRole(AriaRole.Table, new() { Name = "Classes of Ethan Walker (3)" });
        await Expect(Cells(ethan, 1)).ToHaveTextAsync(["Biology - P2 SCI-110-02", "David Chen", "Fall 2026"]);
        var lily = page.GetByRole(AriaRole.Table, new() { Name = "Classes of Lily Walker (1)" });
        await Expect(Cells(lily, 0)).ToHaveTextAsync(["Math 7 - P1 MATH-070-01", "Sarah O'Neil", "Fall 2026, Spring 2027"]);
        await BrowserFixture.AssertAccessibleAsync(page);
        await BrowserFixture.ScreenshotAsync(page, "children-guardian");

        var response = await page.GotoAsync(web.Url(district.Slug, "/classes"));
        Assert.Equal(403, response!.Status);
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "You cannot open this page" })).ToBeVisibleAsync();
        await BrowserFixture.AssertAccessibleAsync(page);
    }

    [Fact]
    public async Task A_district_admin_opens_any_class_roster_and_an_unknown_class_is_not_found()
    {
        var district = await ImportedDistrictAsync();
        var admin = await web.Api.CreateUserAsync(district, Roles.DistrictAdmin);
        var page = await web.NewPageAsync();
        await web.SignInAsync(page, admin);
        await Expect(page.GetByRole(AriaRole.Link, new() { Name = "My classes", Exact = true })).ToHaveCountAsync(0);

        var bio = await RosterSamples.InternalIdAsync(web.Api.Database, district.Id, "classes", "nw-cls-bio-p2");
        await page.GotoAsync(web.Url(district.Slug, $"/classes/{bio}"));
        await Expect(page.GetByRole(AriaRole.Table, new() { Name = "Students (8)" })).ToBeVisibleAsync();
        var missing = await page.GotoAsync(web.Url(district.Slug, $"/classes/{Guid.NewGuid()}"));
        Assert.Equal(404, missing!.Status);
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Page not found" })).ToBeVisibleAsync();

        var response = await page.GotoAsync(web.Url(district.Slug, "/classes"));
        Assert.Equal(403, response!.Status);
    }
}
