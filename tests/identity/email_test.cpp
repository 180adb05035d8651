#include "identity/email.h"

#include <gtest/gtest.h>

namespace fanout::identity {
namespace {

TEST(EmailMeta, TrimsAndLowercasesOnly) {
  EXPECT_EQ(normalize_email_lower("  John_Smith@Gmail.com \n"), "john_smith@gmail.com");
  // Meta keeps dots and +alias: they are part of the address it hashes.
  EXPECT_EQ(normalize_email_lower("First.Last+Promo@GMAIL.com"), "first.last+promo@gmail.com");
}

TEST(EmailMeta, LowercasesNonAsciiLetters) {
  EXPECT_EQ(normalize_email_lower("JOSÉ@Example.COM"), "josé@example.com");
}

TEST(EmailGoogle, GmailDropsDotsAndPlusSuffix) {
  EXPECT_EQ(normalize_email_gmail("cloudy.sanfrancisco+shopping@gmail.com"), "cloudysanfrancisco@gmail.com");
  EXPECT_EQ(normalize_email_gmail(" Jane.Doe+x@GoogleMail.com "), "janedoe@googlemail.com");
}

TEST(EmailGoogle, OtherDomainsKeepDotsAndPlus) {
  EXPECT_EQ(normalize_email_gmail("user.name+NYC@Example.com"), "user.name+nyc@example.com");
}

TEST(EmailGoogle, RemovesInnerWhiteSpace) {
  EXPECT_EQ(normalize_email_gmail(" john . smith @ example.com "), "john.smith@example.com");
}

TEST(EmailMsCapi, DropsDotsAndAliasOnEveryDomain) {
  EXPECT_EQ(normalize_email_no_dots_tag(" John.Smith+News@Contoso.com "), "johnsmith@contoso.com");
  EXPECT_EQ(normalize_email_no_dots_tag("john@contoso.com"), "john@contoso.com");
  // Dots of the domain stay: only the local part is rewritten.
  EXPECT_EQ(normalize_email_no_dots_tag("a.b@mail.contoso.co.uk"), "ab@mail.contoso.co.uk");
}

// Microsoft's enhanced conversions guide (offline and UET): also no spaces and no accents, on any domain.
TEST(EmailNoDotsTag, MicrosoftOfflineGuideRemovesSpacesAndAccents) {
  EXPECT_EQ(normalize_email_no_dots_tag("Jane.Doe+crm@Outlook.com"), "janedoe@outlook.com");
  EXPECT_EQ(normalize_email_no_dots_tag("ex.ample@outlook.com"), "example@outlook.com");
  EXPECT_EQ(normalize_email_no_dots_tag("José.Müller@Exämple.com"), "josemuller@example.com");
  EXPECT_EQ(normalize_email_no_dots_tag("Jose\u0301@example.com"), normalize_email_no_dots_tag("jose@example.com"));
  EXPECT_EQ(normalize_email_no_dots_tag(" john smith @example.com"), "johnsmith@example.com");
}

TEST(EmailAllRules, InvalidAddressesAreDropped) {
  for (const char* bad : {"", "   ", "not-an-email", "@example.com", "john@", "john@localhost", "john@example.",
                          "a@b@example.com", "john smith@example.com"}) {
    EXPECT_EQ(normalize_email_lower(bad), "") << bad;
    if (std::string_view(bad) != "john smith@example.com") EXPECT_EQ(normalize_email_no_dots_tag(bad), "") << bad;
  }
  EXPECT_EQ(normalize_email_gmail("no-at-sign.example.com"), "");
}

TEST(EmailAllRules, AliasOnlyLocalPartIsDropped) {
  EXPECT_EQ(normalize_email_no_dots_tag("+tag@example.com"), "");
  EXPECT_EQ(normalize_email_lower("+tag@example.com"), "+tag@example.com");
}

}  // namespace
}  // namespace fanout::identity
