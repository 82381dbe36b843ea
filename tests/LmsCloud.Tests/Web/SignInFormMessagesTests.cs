using System.Net;
using LmsCloud.Core.Users;
using LmsCloud.Tests.Auth;
using LmsCloud.Tests.Infrastructure;
using LmsCloud.Web;

namespace LmsCloud.Tests.Web;

/// <summary>
/// What a browser's sign-in form gets back for a lockout and the rate limit: the sign-in page with a truthful message
/// that never tells whether the account exists (3 failures lock; 8 sign-in requests a minute per address).
/// </summary>
public sealed class SignInFormMessagesTests(StrictApiFactory api) : IClassFixture<StrictApiFactory>
{
    [Fact]
    public async Task A_locked_account_reads_like_a_wrong_password_and_the_rate_limit_says_how_long_to_wait()
    {
        var district = await api.Database.CreateDistrictAsync();
        var user = await api.CreateUserAsync(district, Roles.Teacher);
        var browser = new TestBrowser(api, district.Slug);

        for (var i = 0; i < 3; i++) Assert.Equal("/account/sign-in?error=failed", await PostAsync(browser, user.Email, "wrong password!"));
        // Locked now: the right password gets the very same answer as a wrong one, and as an unknown user.
        Assert.Equal("/account/sign-in?error=failed", await PostAsync(browser, user.Email, ApiFactory.Password));
        Assert.Equal("/account/sign-in?error=failed", await PostAsync(browser, "nobody@example.test", ApiFactory.Password));
        var page = await browser.GetAsync("/account/sign-in?error=failed");
        Assert.Equal(HttpStatusCode.BadRequest, page.StatusCode);
        Assert.Contains(SignInMessages.Failed, await page.Content.ReadAsStringAsync());

        string location = "";
        for (var i = 0; i < 4 && !location.Contains("error=rate"); i++) location = await PostAsync(browser, $"x{i}@example.test", "whatever-it-is");
        Assert.Matches(@"^/account/sign-in\?error=rate&wait=\d+$", location);
        var limited = await browser.GetAsync(location);
        Assert.Equal(HttpStatusCode.TooManyRequests, limited.StatusCode);
        Assert.Contains("Too many sign-in attempts from this network. Wait ", await limited.Content.ReadAsStringAsync());
    }

    /// <summary>Posts the sign-in form as a browser does (it accepts HTML) and returns where the 303 sends it.</summary>
    static async Task<string> PostAsync(TestBrowser browser, string userName, string password)
    {
        var token = await browser.AntiforgeryTokenAsync();
        var request = new HttpRequestMessage(HttpMethod.Post, "/account/sign-in")
        {
            Content = new FormUrlEncodedContent([new("username", userName), new("password", password), new("__RequestVerificationToken", token)]),
        };
        request.Headers.Add("Accept", "text/html,application/xhtml+xml");
        var response = await browser.SendAsync(request);
        Assert.Equal(HttpStatusCode.SeeOther, response.StatusCode);
        return response.Headers.Location!.OriginalString;
    }
}
