/**
 * Where generated orders go and how they travel: streets, cities with matching postcodes, phone
 * prefixes and carriers per country (ISO 3166-1 alpha-2). All fictional, shaped like the real thing.
 */

/** A city with its state/region and a matching postcode. */
export type Place = readonly [city: string, stateOrRegion: string, postalCode: string];

/** Streets, places and phone prefix per country (ISO 3166-1 alpha-2). */
export interface AddressPool {
  streets: readonly string[];
  places: readonly Place[];
  phone: string;
  /** How a street line is written: `12 Main St`, `Hauptstraße 12` or `神南1-2-3`. */
  style: 'number-first' | 'number-last' | 'ja';
}

const EN_STREETS = [
  'High Street',
  'Station Road',
  'Church Lane',
  'Park Avenue',
  'Victoria Road',
  'Mill Lane',
];

export const ADDRESS_POOLS: Record<string, AddressPool> = {
  US: {
    streets: ['Main St', 'Oak Ave', 'Maple Dr', 'Cedar Ln', 'Pine St', 'Washington Ave', 'Lakeview Rd'],
    places: [
      ['Seattle', 'WA', '98101'],
      ['Austin', 'TX', '78701'],
      ['Denver', 'CO', '80202'],
      ['Portland', 'OR', '97205'],
      ['Columbus', 'OH', '43215'],
      ['Raleigh', 'NC', '27601'],
      ['Boise', 'ID', '83702'],
    ],
    phone: '+1 555-01',
    style: 'number-first',
  },
  CA: {
    streets: ['King St W', 'Queen St E', 'Yonge St', 'Granville St', 'Rue Sainte-Catherine'],
    places: [
      ['Toronto', 'ON', 'M5V 2T6'],
      ['Vancouver', 'BC', 'V6B 1A1'],
      ['Calgary', 'AB', 'T2P 1J9'],
      ['Montréal', 'QC', 'H2Y 1C6'],
    ],
    phone: '+1 555-02',
    style: 'number-first',
  },
  MX: {
    streets: ['Av. Insurgentes Sur', 'Calle Madero', 'Av. Reforma', 'Calle Hidalgo'],
    places: [
      ['Ciudad de México', 'CDMX', '06600'],
      ['Guadalajara', 'Jalisco', '44100'],
      ['Monterrey', 'Nuevo León', '64000'],
    ],
    phone: '+52 55 5555 01',
    style: 'number-last',
  },
  BR: {
    streets: ['Avenida Paulista', 'Rua Augusta', 'Rua das Flores', 'Avenida Atlântica'],
    places: [
      ['São Paulo', 'SP', '01310-100'],
      ['Rio de Janeiro', 'RJ', '20040-002'],
      ['Belo Horizonte', 'MG', '30130-010'],
    ],
    phone: '+55 11 5555-01',
    style: 'number-last',
  },
  GB: {
    streets: EN_STREETS,
    places: [
      ['London', 'Greater London', 'EC1A 1BB'],
      ['Manchester', 'Greater Manchester', 'M1 2AB'],
      ['Bristol', 'Bristol', 'BS1 4DJ'],
      ['Leeds', 'West Yorkshire', 'LS1 4AP'],
    ],
    phone: '+44 20 7946 01',
    style: 'number-first',
  },
  IE: {
    streets: ['Grafton Street', "O'Connell Street", 'Patrick Street'],
    places: [
      ['Dublin', 'Co. Dublin', 'D02 X285'],
      ['Cork', 'Co. Cork', 'T12 W8DR'],
    ],
    phone: '+353 1 555 01',
    style: 'number-first',
  },
  DE: {
    streets: ['Hauptstraße', 'Bahnhofstraße', 'Gartenstraße', 'Schulstraße', 'Lindenweg'],
    places: [
      ['Berlin', 'Berlin', '10115'],
      ['München', 'Bayern', '80331'],
      ['Hamburg', 'Hamburg', '20095'],
      ['Köln', 'Nordrhein-Westfalen', '50667'],
    ],
    phone: '+49 30 555501',
    style: 'number-last',
  },
  FR: {
    streets: ['rue de la Paix', 'avenue Victor Hugo', 'rue du Moulin', 'boulevard Voltaire'],
    places: [
      ['Paris', 'Île-de-France', '75001'],
      ['Lyon', 'Auvergne-Rhône-Alpes', '69002'],
      ['Marseille', "Provence-Alpes-Côte d'Azur", '13001'],
    ],
    phone: '+33 1 55 55 01',
    style: 'number-first',
  },
  BE: {
    streets: ['Rue Neuve', 'Meir', 'Avenue Louise'],
    places: [
      ['Bruxelles', 'Bruxelles', '1000'],
      ['Antwerpen', 'Antwerpen', '2000'],
    ],
    phone: '+32 2 555 01',
    style: 'number-last',
  },
  NL: {
    streets: ['Kalverstraat', 'Damrak', 'Oudegracht'],
    places: [
      ['Amsterdam', 'Noord-Holland', '1012 JS'],
      ['Utrecht', 'Utrecht', '3511 AA'],
    ],
    phone: '+31 20 555 01',
    style: 'number-last',
  },
  IT: {
    streets: ['Via Roma', 'Via Garibaldi', 'Corso Vittorio Emanuele', 'Via Dante'],
    places: [
      ['Roma', 'RM', '00184'],
      ['Milano', 'MI', '20121'],
      ['Torino', 'TO', '10121'],
    ],
    phone: '+39 06 5555 01',
    style: 'number-last',
  },
  ES: {
    streets: ['Calle Mayor', 'Gran Vía', 'Calle de Alcalá', 'Passeig de Gràcia'],
    places: [
      ['Madrid', 'Madrid', '28013'],
      ['Barcelona', 'Barcelona', '08002'],
      ['Valencia', 'Valencia', '46002'],
    ],
    phone: '+34 91 555 01',
    style: 'number-last',
  },
  SE: {
    streets: ['Drottninggatan', 'Storgatan', 'Kungsgatan'],
    places: [
      ['Stockholm', 'Stockholm', '111 20'],
      ['Göteborg', 'Västra Götaland', '411 03'],
    ],
    phone: '+46 8 555 01',
    style: 'number-last',
  },
  PL: {
    streets: ['ul. Marszałkowska', 'ul. Floriańska', 'ul. Piotrkowska'],
    places: [
      ['Warszawa', 'mazowieckie', '00-001'],
      ['Kraków', 'małopolskie', '31-001'],
    ],
    phone: '+48 22 555 01',
    style: 'number-last',
  },
  TR: {
    streets: ['İstiklal Caddesi', 'Atatürk Bulvarı'],
    places: [
      ['İstanbul', 'İstanbul', '34430'],
      ['Ankara', 'Ankara', '06420'],
    ],
    phone: '+90 212 555 01',
    style: 'number-last',
  },
  AE: {
    streets: ['Sheikh Zayed Road', 'Al Wasl Road'],
    places: [
      ['Dubai', 'Dubai', '00000'],
      ['Abu Dhabi', 'Abu Dhabi', '00000'],
    ],
    phone: '+971 4 555 01',
    style: 'number-first',
  },
  SA: {
    streets: ['King Fahd Road', 'Tahlia Street'],
    places: [
      ['Riyadh', 'Riyadh Province', '11564'],
      ['Jeddah', 'Makkah Province', '21577'],
    ],
    phone: '+966 11 555 01',
    style: 'number-first',
  },
  EG: {
    streets: ['Tahrir Street', 'Corniche El Nil'],
    places: [['Cairo', 'Cairo Governorate', '11511']],
    phone: '+20 2 5555 01',
    style: 'number-first',
  },
  IN: {
    streets: ['MG Road', 'Brigade Road', 'Linking Road'],
    places: [
      ['Bengaluru', 'Karnataka', '560001'],
      ['Mumbai', 'Maharashtra', '400001'],
      ['New Delhi', 'Delhi', '110001'],
    ],
    phone: '+91 80 5555 01',
    style: 'number-first',
  },
  ZA: {
    streets: ['Long Street', 'Main Road'],
    places: [
      ['Cape Town', 'Western Cape', '8001'],
      ['Johannesburg', 'Gauteng', '2001'],
    ],
    phone: '+27 21 555 01',
    style: 'number-first',
  },
  SG: {
    streets: ['Orchard Road', 'Bukit Timah Road', 'Tampines Avenue'],
    places: [
      ['Singapore', '', '238859'],
      ['Singapore', '', '018956'],
    ],
    phone: '+65 6555 01',
    style: 'number-first',
  },
  AU: {
    streets: ['George St', 'Collins St', 'Queen St', 'Hay St'],
    places: [
      ['Sydney', 'NSW', '2000'],
      ['Melbourne', 'VIC', '3000'],
      ['Brisbane', 'QLD', '4000'],
    ],
    phone: '+61 2 5550 01',
    style: 'number-first',
  },
  JP: {
    streets: ['神南', '道玄坂', '梅田', 'みなとみらい'],
    places: [
      ['渋谷区', '東京都', '150-0041'],
      ['大阪市北区', '大阪府', '530-0001'],
      ['横浜市西区', '神奈川県', '220-0012'],
    ],
    phone: '+81 3-5555-01',
    style: 'ja',
  },
};

/** A carrier with its service name and a tracking-number pattern (`9` = digit, `X` = letter or digit). */
export interface Carrier {
  carrier: string;
  service: string;
  /** Tracking-number pattern: `9` stands for a random digit, `@` for a random letter or digit. */
  tracking: string;
}

/** Carriers per country; countries not listed use `DEFAULT_CARRIERS`. */
export const CARRIERS: Record<string, readonly Carrier[]> = {
  US: [
    { carrier: 'UPS', service: 'UPS Ground', tracking: '1Z@@@@@@@@@@@@@@@@' },
    { carrier: 'USPS', service: 'USPS Priority Mail', tracking: '9400999999999999999999' },
    { carrier: 'FedEx', service: 'FedEx Home Delivery', tracking: '999999999999' },
  ],
  CA: [{ carrier: 'Canada Post', service: 'Expedited Parcel', tracking: '9999999999999999' }],
  GB: [
    { carrier: 'Royal Mail', service: 'Royal Mail Tracked 48', tracking: 'RR999999999GB' },
    { carrier: 'DPD', service: 'DPD Next Day', tracking: '99999999999999' },
  ],
  DE: [
    { carrier: 'DHL', service: 'DHL Paket', tracking: '99999999999999999999' },
    { carrier: 'Hermes', service: 'Hermes Paket', tracking: 'H9999999999999999999' },
  ],
  FR: [{ carrier: 'Colissimo', service: 'Colissimo Domicile', tracking: '6A99999999999' }],
  JP: [{ carrier: 'Yamato Transport', service: 'TA-Q-BIN', tracking: '999999999999' }],
  AU: [{ carrier: 'Australia Post', service: 'Parcel Post', tracking: '99999999999999999999999' }],
};

export const DEFAULT_CARRIERS: readonly Carrier[] = [
  { carrier: 'DHL', service: 'DHL Parcel', tracking: '99999999999999999999' },
];
